"""Hostile and broken HTTP responses: each is refused or cut off with a specific reason.

Every server here is a real socket on 127.0.0.1 (tests/hostile_server.py) that can lie
in its headers, trickle bytes, reset or truncate; the assertions check what the
fetcher concluded *and* what the server saw (bytes sent, client hang-up).
"""

from __future__ import annotations

import gzip
import random
import time
import tracemalloc
from collections.abc import Callable

import pytest
from hostile_server import Conn, HostileServer, MiB, brotli_bomb, deflate_bomb

from scraper.archive import Archive
from scraper.fetching import Fetcher, FetchError
from scraper.parsing import decode_html
from scraper.pipeline import archive_url

HTML = b"<html><head><title>Hello</title></head><body><p>Hello there</p></body></html>"
CAP = 256 * 1024  # a small size cap keeps these tests fast


@pytest.fixture
def server():
    with HostileServer() as srv:
        yield srv


def fetch_error(url: str, **options) -> FetchError:
    options.setdefault("backoff", 0.01)
    with Fetcher(**options) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    return info.value


# -- content types ---------------------------------------------------------------------

def test_pdf_is_refused_by_content_type_without_reading_the_body(server):
    body = b"%PDF-1.7\n" + bytes(20 * MiB)
    url = server.route("/report.pdf", lambda c: c.respond(body, content_type="application/pdf"))
    error = fetch_error(url)
    assert error.kind == "not-html"
    assert error.message == "not an HTML page (Content-Type: application/pdf)"
    hit = server.hits_for("/report.pdf")[0]
    hit.done.wait(5)
    assert hit.sent < 2 * MiB  # the 20 MiB body was not downloaded
    assert error.attempts[-1].error == "not-html: not an HTML page (Content-Type: application/pdf)"


def test_image_is_refused_by_content_type(server):
    url = server.route("/logo", lambda c: c.respond(b"\x89PNG\r\n\x1a\n" + bytes(100), content_type="image/png"))
    error = fetch_error(url)
    assert (error.kind, error.message) == ("not-html", "not an HTML page (Content-Type: image/png)")


@pytest.mark.parametrize("name,body", [
    ("png", b"\x89PNG\r\n\x1a\n" + bytes(4000)),
    ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
    ("gzip-twice", gzip.compress(HTML)),  # compressed once more than Content-Encoding says
    ("mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(100)),
    ("random", random.Random(7).randbytes(4096)),
])
def test_binary_labelled_as_html_is_refused(server, name, body):
    url = server.route(f"/{name}", lambda c: c.respond(body, content_type="text/html"))
    error = fetch_error(url)
    assert (error.kind, error.message) == ("not-html", "binary content labelled as HTML")


def test_utf16_page_with_bom_is_not_mistaken_for_binary(server):
    page = "<html><head><title>Grüße</title></head><body><p>Text</p></body></html>"
    url = server.route("/utf16", lambda c: c.respond(page.encode("utf-16"), content_type="text/html"))
    with Fetcher() as fetcher:
        response = fetcher.fetch(url)
    assert response.text == page


def test_html_with_a_few_nul_bytes_is_still_html(server):
    body = HTML.replace(b"Hello there", b"Hello\x00there\x00")
    url = server.route("/nul", lambda c: c.respond(body))
    with Fetcher() as fetcher:
        assert fetcher.fetch(url).content == body


# -- size cap --------------------------------------------------------------------------

def test_declared_oversize_body_is_refused_before_reading(server):
    def handler(conn: Conn) -> None:
        conn.head(200, {"Content-Type": "text/html", "Content-Length": str(50 * MiB)})
        conn.stream(bytes(64 * 1024) for _ in range(800))

    url = server.route("/huge", handler)
    error = fetch_error(url, max_bytes=CAP)
    assert error.kind == "too-large"
    assert error.message == f"body of {50 * MiB} bytes is over the {CAP}-byte limit (not read)"
    hit = server.hits_for("/huge")[0]
    assert hit.done.wait(5)
    assert hit.client_closed and hit.sent < 2 * MiB


def test_endless_body_is_cut_off_while_streaming(server):
    def handler(conn: Conn) -> None:  # chunked, no length, never ends on its own
        conn.head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
        chunk = b"<p>" + b"x" * 8000 + b"</p>"
        conn.stream(iter(lambda: b"%x\r\n%s\r\n" % (len(chunk), chunk), None))

    url = server.route("/endless", handler)
    started = time.monotonic()
    error = fetch_error(url, max_bytes=CAP)
    assert error.kind == "too-large"
    read = int(error.message.rsplit(" at ", 1)[1].split()[0])
    assert CAP < read <= CAP + 65536  # stopped within one read of the cap
    hit = server.hits_for("/endless")[0]
    assert hit.done.wait(5)
    assert hit.client_closed
    assert hit.sent < CAP + 2 * MiB  # what we read plus what the kernel had buffered
    assert time.monotonic() - started < 8  # the server streams for 10 s: the cap, not the server, ended it


BOMBS = {
    "gzip": lambda: (deflate_bomb(2048 * MiB, "gzip"), "gzip"),
    "deflate": lambda: (deflate_bomb(2048 * MiB, "zlib"), "deflate"),
    "br": lambda: (brotli_bomb(1024 * MiB), "br"),
    "gzip-in-gzip": lambda: (gzip.compress(deflate_bomb(1024 * MiB, "gzip"), 9), "gzip, gzip"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_decompression_bomb_stops_at_the_cap_in_bounded_memory(server, name):
    body, coding = BOMBS[name]()
    assert len(body) < 3 * MiB  # small on the wire, a gigabyte or more inflated

    def handler(conn: Conn) -> None:
        conn.head(200, {"Content-Type": "text/html", "Content-Encoding": coding,
                        "Content-Length": str(len(body))})
        conn.stream(body[i:i + 65536] for i in range(0, len(body), 65536))

    url = server.route(f"/{name}", handler)
    tracemalloc.start()
    started = time.monotonic()
    try:
        error = fetch_error(url, max_bytes=CAP)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.kind == "too-large"
    read = int(error.message.rsplit(" at ", 1)[1].split()[0])
    assert CAP < read <= CAP + 65536
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB while reading a {name} bomb"
    assert elapsed < 8  # inflating all 2 GiB would take far longer


def test_unknown_content_encoding_is_refused_not_passed_on_as_text(server):
    def handler(conn: Conn) -> None:
        conn.respond(b"\x28\xb5\x2f\xfd compressed", headers={"Content-Encoding": "x-snappy"})

    error = fetch_error(server.route("/odd", handler))
    assert (error.kind, error.message) == (
        "content-encoding", "cannot decode Content-Encoding x-snappy (body not read)")


def test_corrupt_gzip_body_is_a_content_encoding_error(server):
    body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + random.Random(3).randbytes(2000)
    url = server.route("/corrupt", lambda c: c.respond(body, headers={"Content-Encoding": "gzip"}))
    error = fetch_error(url)
    assert error.kind == "content-encoding"
    assert error.message.startswith("while reading the body (0 bytes in): body could not be decompressed")


def test_gzip_page_is_decoded(server):
    url = server.route("/gz", lambda c: c.respond(gzip.compress(HTML), headers={"Content-Encoding": "gzip"}))
    with Fetcher() as fetcher:
        assert fetcher.fetch(url).content == HTML
    assert "gzip" in server.hits_for("/gz")[0].headers["accept-encoding"]


# -- deadline --------------------------------------------------------------------------

def test_body_trickled_one_byte_a_second_is_stopped_by_the_deadline(server):
    def handler(conn: Conn) -> None:
        conn.head(200, {"Content-Type": "text/html"})
        conn.trickle(HTML * 10, interval=1.0)

    url = server.route("/slow-body", handler)
    started = time.monotonic()
    error = fetch_error(url, deadline=2, read_timeout=5)  # each byte beats the read timeout
    elapsed = time.monotonic() - started
    assert error.kind == "deadline"
    assert error.message.startswith("gave up after 2s (total deadline) with ")
    assert 1.9 < elapsed < 4.5  # the deadline, before the read timeout (5 s) or the trickle's end
    assert len(error.attempts) == 1 and error.attempts[0].status == 200


def test_headers_trickled_one_byte_a_second_are_stopped_by_the_deadline(server):
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n" + HTML
    url = server.route("/slow-head", lambda c: c.trickle(raw, interval=1.0))
    started = time.monotonic()
    error = fetch_error(url, deadline=2, read_timeout=5)
    elapsed = time.monotonic() - started
    assert (error.kind, error.message) == (
        "deadline", "gave up after 2s (total deadline) waiting for the response")
    assert 1.9 < elapsed < 4.5  # the deadline, before the read timeout (5 s) or the trickle's end
    assert len(error.attempts) == 1  # the deadline is not retried
    assert server.hits_for("/slow-head")[0].sent <= 3  # a byte a second for two seconds


def test_silent_server_is_stopped_by_the_deadline_not_the_read_timeout(server):
    url = server.route("/silent", lambda c: c.wait_for_hangup(limit=20))
    started = time.monotonic()
    error = fetch_error(url, deadline=1, read_timeout=30, retries=3)
    assert error.kind == "deadline"
    assert time.monotonic() - started < 10  # the deadline (1 s), not the read timeout (30 s) nor the server (20 s)
    assert len(error.attempts) == 1


def test_stalled_tls_handshake_is_stopped_by_the_deadline():
    with HostileServer(raw_accept=lambda c: c.wait_for_hangup(limit=20)) as srv:
        url = srv.url("/").replace("http://", "https://")
        started = time.monotonic()
        error = fetch_error(url, deadline=1, connect_timeout=30, read_timeout=30)
        assert error.kind == "deadline"
        assert time.monotonic() - started < 10  # the deadline (1 s), not the connect timeout (30 s)
        assert srv.hits[0].done.wait(3) and srv.hits[0].client_closed


def test_trickle_through_a_proxy_is_stopped_by_the_deadline(server):
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X: y\r\n" * 50 + b"\r\n" + HTML
    server.route("http://news.example/story", lambda c: c.trickle(raw, interval=0.5))
    with Fetcher(deadline=1, read_timeout=5) as fetcher:
        fetcher.session.trust_env = False  # only this proxy, whatever the environment says
        fetcher.session.proxies = {"http": server.url()}
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetcher.fetch("http://news.example/story")
    assert info.value.kind == "deadline"
    assert time.monotonic() - started < 8  # the deadline (1 s), not the trickle (10 s)
    assert [h.path for h in server.hits] == ["http://news.example/story"]


def test_retry_that_would_pass_the_deadline_is_not_waited_for(server):
    url = server.route("/busy", lambda c: c.respond(b"busy", status=503, headers={"Retry-After": "30"}))
    slept: list[float] = []
    error = fetch_error(url, deadline=5, sleep=slept.append)
    assert error.kind == "http" and error.status == 503
    assert error.message == "HTTP 503, and waiting 30s to retry would pass the 5s deadline"
    assert slept == [] and len(error.attempts) == 1


# -- redirects -------------------------------------------------------------------------

def redirect(location: str):
    return lambda c: c.respond(b"", status=302, content_type=None, headers={"Location": location})


def test_redirect_loop_is_detected(server):
    server.route("/a", redirect("/b"))
    server.route("/b", redirect("/a"))
    error = fetch_error(server.url("/a"))
    assert (error.kind, error.message) == ("redirect-loop", f"redirect loop at {server.url('/a')}")
    assert [a.status for a in error.attempts] == [302, 302]
    assert error.attempts[-1].error.startswith("redirect-loop:")


def test_redirect_to_itself_is_a_loop_after_one_request(server):
    server.route("/self", redirect("/self"))
    error = fetch_error(server.url("/self"))
    assert error.kind == "redirect-loop" and len(error.attempts) == 1


def test_endless_redirect_chain_stops_at_the_limit(server):
    def handler(conn: Conn) -> None:
        n = int(conn.hit.path.split("=")[1])
        redirect(f"/chain?n={n + 1}")(conn)

    server.route("/chain", handler)
    error = fetch_error(server.url("/chain?n=0"), max_redirects=5)
    assert (error.kind, error.message) == ("too-many-redirects", "more than 5 redirects")
    assert len(error.attempts) == 6 and len(server.hits_for("/chain?n=0")) == 1
    assert [h.path for h in server.hits] == [f"/chain?n={n}" for n in range(6)]


# -- charsets, BOMs, empty bodies --------------------------------------------------------

PAGE = ("<html><head><title>Café crème</title></head><body><p>Le garçon a mangé une crêpe "
        "à la fraise près de la gare. Où est-il allé après ?</p></body></html>")


@pytest.mark.parametrize("name,data,declared,expected", [
    ("utf-8 declared latin-1", PAGE.encode(), "iso-8859-1", "utf-8"),
    ("latin-1 declared utf-8", PAGE.encode("latin-1"), "utf-8", "cp1252"),
    ("latin-1, no charset", PAGE.encode("latin-1"), None, "cp1252"),
    ("unknown label", PAGE.encode("cp1252"), "no-such-charset", "cp1252"),
    ("latin-1 declared utf-7", PAGE.encode("latin-1"), "utf-7", "cp1252"),
    ("latin-1 declared unicode_escape", PAGE.encode("latin-1"), "unicode_escape", "cp1252"),
    ("utf-8 BOM beats the header", b"\xef\xbb\xbf" + PAGE.encode(), "iso-8859-1", "utf-8"),
    ("utf-16-le BOM", PAGE.encode("utf-16-le").join([b"\xff\xfe", b""]), "iso-8859-1", "utf-16-le"),
    ("utf-16-be BOM", PAGE.encode("utf-16-be").join([b"\xfe\xff", b""]), None, "utf-16-be"),
    ("meta charset", PAGE.replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252"),
     None, "cp1252"),
])
def test_charsets_are_read_whatever_the_page_claims(name, data, declared, expected):
    text, used = decode_html(data, declared)
    assert used == expected
    assert "Café crème" in text and "Où est-il allé après" in text


def test_cyrillic_and_japanese_legacy_pages_are_detected():
    russian = "<html><body><p>Привет, как дела? Это тестовая страница на русском языке.</p></body></html>"
    japanese = "<html><body><p>日本語のテキストです。これはテストです。</p></body></html>"
    assert decode_html(russian.encode("cp1251")) == (russian, "cp1251")
    assert decode_html(japanese.encode("shift_jis")) == (japanese, "cp932")
    assert decode_html(russian.encode("koi8-r"), "koi8-r") == (russian, "koi8-r")


def test_mostly_utf8_page_with_one_stray_byte_stays_utf8():
    data = PAGE.encode() + b"<p>stray \xe9 byte</p>"
    text, used = decode_html(data, "utf-8")
    assert used == "utf-8"
    assert "Café crème" in text and "stray \ufffd byte" in text


def test_meta_charset_scan_is_linear_on_hostile_input():
    started = time.monotonic()
    text, used = decode_html(b"<meta" * 13000 + b"\xff")
    assert used == "cp1252" and text.endswith("ÿ")
    assert time.monotonic() - started < 5  # quadratic on this input would take minutes


def test_latin1_page_declared_utf8_is_served_and_extracted_right(server):
    url = server.route("/latin", lambda c: c.respond(PAGE.encode("latin-1"),
                                                     content_type="text/html; charset=utf-8"))
    with Fetcher() as fetcher:
        response = fetcher.fetch(url)
    assert response.charset == "utf-8"
    assert "Le garçon a mangé une crêpe" in response.text


@pytest.mark.parametrize("status,body", [(200, b""), (200, b"  \r\n\t "), (204, b"")])
def test_empty_bodies_are_refused_as_empty(server, status, body):
    url = server.route("/empty", lambda c: c.respond(body, status=status))
    error = fetch_error(url)
    assert (error.kind, error.message, error.status) == ("empty", "empty response body", status)


# -- TLS, resets, truncation -----------------------------------------------------------

def test_self_signed_certificate_is_a_plain_tls_error():
    with HostileServer(tls=True) as srv:
        url = srv.route("/", lambda c: c.respond(HTML))
        error = fetch_error(url)
    assert error.kind == "tls"
    assert error.message == "TLS certificate not accepted: self-signed certificate"
    assert len(error.attempts) == 1  # a certificate problem is not retried
    assert error.attempts[0].error == "tls: TLS certificate not accepted: self-signed certificate"


def test_https_to_a_plain_http_port_is_a_tls_error():
    def plain_http(conn: Conn) -> None:
        conn.sock.recv(4096)  # a TLS ClientHello, answered in plain HTTP
        conn.respond(HTML)

    with HostileServer(raw_accept=plain_http) as srv:
        error = fetch_error(srv.url("/").replace("http://", "https://"))
    assert error.kind == "tls"
    assert error.message == "TLS handshake failed: wrong version number"


def test_connection_reset_mid_body_is_reported_and_recorded(server, db_path):
    def handler(conn: Conn) -> None:
        conn.head(200, {"Content-Type": "text/html", "Content-Length": "100000"})
        conn.send(b"<html><body>" + b"x" * 5000)
        time.sleep(0.1)
        conn.reset()

    url = server.route("/reset", handler)
    error = fetch_error(url, retries=2)
    assert error.kind == "connection"
    assert error.message == "while reading the body (5012 bytes in): connection reset by the server"
    # asked again twice (a reset half-way is usually passing), every try logged
    assert [(a.status, a.error) for a in error.attempts] == [(200, f"connection: {error.message}")] * 3
    assert len(server.hits_for("/reset")) == 3


def test_connection_reset_before_any_answer_is_retried(server):
    url = server.route("/rst", lambda c: c.reset())
    error = fetch_error(url, retries=2)
    assert (error.kind, error.message) == ("connection", "connection reset by the server")
    assert [a.error for a in error.attempts] == ["connection: connection reset by the server"] * 3
    assert len(server.hits_for("/rst")) == 3


def test_body_shorter_than_content_length_is_truncated(server):
    def handler(conn: Conn) -> None:
        conn.head(200, {"Content-Type": "text/html", "Content-Length": "100000"})
        conn.send(HTML)  # then close: 99933 bytes never come

    error = fetch_error(server.route("/short", handler))
    assert error.kind == "truncated"
    assert error.message == (f"while reading the body ({len(HTML)} bytes in): "
                             f"connection closed {100000 - len(HTML)} bytes short of the promised length")


def test_chunked_body_without_its_last_chunk_is_truncated(server):
    def handler(conn: Conn) -> None:
        conn.head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
        conn.send(b"10\r\n<html><body>hi</\r\n")

    error = fetch_error(server.route("/chunks", handler))
    assert error.kind == "truncated"
    assert error.message.endswith("connection closed before the end of the body")


def test_truncated_page_is_logged_in_the_archive_and_nothing_stored(server, db_path):
    def handler(conn: Conn) -> None:
        conn.head(200, {"Content-Type": "text/html", "Content-Length": "5000"})
        conn.send(HTML)

    url = server.route("/cut", handler)
    with Archive(db_path) as archive, Fetcher(retries=1, backoff=0.01) as fetcher:
        outcome = archive_url(url, archive, fetcher)
        rows = list(archive.db.query("SELECT request_url, status, error FROM fetches"))
        articles = archive.db["articles"].count
    assert (outcome.status, outcome.error_kind) == ("failed", "truncated")
    assert rows == [{"request_url": url, "status": 200, "error":
                     f"truncated: while reading the body ({len(HTML)} bytes in): "
                     f"connection closed {5000 - len(HTML)} bytes short of the promised length"}] * 2
    assert articles == 0


def flaky(*answers: Callable[[Conn], None]) -> Callable[[Conn], None]:
    """A handler that gives ``answers`` in turn, one per request (the last one from then on)."""
    queue = list(answers)

    def handler(conn: Conn) -> None:
        (queue.pop(0) if len(queue) > 1 else queue[0])(conn)

    return handler


def cut_short(conn: Conn) -> None:
    conn.head(200, {"Content-Type": "text/html", "Content-Length": "5000"})
    conn.send(HTML)


def reset_half_way(conn: Conn) -> None:
    conn.head(200, {"Content-Type": "text/html", "Content-Length": "5000"})
    conn.send(HTML)
    time.sleep(0.05)
    conn.reset()


def whole(conn: Conn) -> None:
    conn.respond(HTML)


@pytest.mark.parametrize("broken,kind", [(cut_short, "truncated"), (reset_half_way, "connection")])
def test_a_body_that_broke_off_is_asked_for_again_and_the_whole_one_kept(server, broken, kind):
    url = server.route("/flaky", flaky(broken, whole))
    slept: list[float] = []
    with Fetcher(retries=2, backoff=0.25, sleep=slept.append) as fetcher:
        response = fetcher.fetch(url)
    assert response.content == HTML
    assert [a.status for a in response.attempts] == [200, 200]
    assert response.attempts[0].error.startswith(f"{kind}: while reading the body ({len(HTML)} bytes in): ")
    assert response.attempts[1].error is None
    assert slept == [0.25]  # the same backoff as any other retry
    assert len(server.hits_for("/flaky")) == 2


def test_body_retries_share_the_budget_with_retries_before_the_answer(server):
    error503 = lambda c: c.respond(b"busy", status=503)  # noqa: E731
    url = server.route("/mixed", flaky(error503, cut_short, whole))
    with Fetcher(retries=2, backoff=0.01) as fetcher:
        assert fetcher.fetch(url).content == HTML  # 503, cut short, whole: three tries
    server.routes["/mixed"] = flaky(error503, cut_short, whole)
    error = fetch_error(url, retries=1)
    assert error.kind == "truncated"
    assert [a.status for a in error.attempts] == [503, 200]  # one retry in all, not one of each
    assert len(server.hits_for("/mixed")) == 5


def test_no_body_retry_with_retries_0_or_past_the_deadline(server):
    url = server.route("/cut", cut_short)
    assert len(fetch_error(url, retries=0).attempts) == 1
    slept: list[float] = []
    error = fetch_error(url, retries=3, backoff=5, deadline=2, sleep=slept.append)
    assert error.kind == "truncated" and len(error.attempts) == 1 and slept == []
    assert len(server.hits_for("/cut")) == 2


# -- answers that are not what they seem --------------------------------------------------

def test_utf16le_page_without_bom_declared_by_http_is_read_as_utf16(server, db_path):
    page = "<html><head><title>Un été à Paris</title></head><body><article>" + \
        "<p>Il faisait chaud à Paris cet été, et les terrasses étaient pleines jusque tard le soir.</p>" * 8 + \
        "</article></body></html>"
    url = server.route("/fr", lambda c: c.respond(page.encode("utf-16-le"),
                                                  content_type="text/html; charset=utf-16le"))
    with Archive(db_path) as archive, Fetcher() as fetcher:
        outcome = archive_url(url, archive, fetcher)
        row = archive.get(url)
    assert outcome.status == "new", outcome.error
    assert row["title"] == "Un été à Paris" and "terrasses étaient pleines" in row["body"]


def test_103_early_hints_are_passed_over_for_the_real_answer(server):
    def early_hints(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
        conn.respond(HTML)

    url = server.route("/hinted", early_hints)
    with Fetcher() as fetcher:
        response = fetcher.fetch(url)
    assert (response.status, response.content) == (200, HTML)


def test_304_to_a_request_without_validators_is_a_failure_not_not_modified(server, db_path):
    url = server.route("/never-asked", lambda c: c.respond(b"", 304, None))
    error = fetch_error(url)
    assert (error.kind, error.status) == ("http", 304)
    assert error.message == "HTTP 304 Not Modified to a request that was not conditional"
    with Archive(db_path) as archive, Fetcher() as fetcher:
        outcome = archive_url(url, archive, fetcher)
        logged = archive.db.conn.execute("SELECT status, error FROM fetches").fetchall()
    assert outcome.status == "failed"
    assert logged == [(304, "http: HTTP 304 Not Modified to a request that was not conditional")]


def test_304_to_a_conditional_request_is_not_modified(server):
    url = server.route("/asked", lambda c: c.respond(b"", 304, None))
    with Fetcher() as fetcher:
        assert fetcher.fetch(url, etag='"v1"').not_modified
