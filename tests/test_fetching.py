"""The fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from werkzeug.wrappers import Response as WerkzeugResponse

from scraper.fetching import Fetcher, FetchError, check_url

HTML = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"


@pytest.fixture
def fetcher():
    with Fetcher(backoff=0.01, retries=2) as f:
        yield f


def test_redirects_are_followed_and_recorded(httpserver, fetcher):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/middle"})
    httpserver.expect_request("/middle").respond_with_data("", status=302, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(HTML, content_type="text/html")
    response = fetcher.fetch(httpserver.url_for("/old"))
    assert response.status == 200
    assert response.final_url == httpserver.url_for("/new")
    assert response.redirects == [httpserver.url_for("/middle"), httpserver.url_for("/new")]
    assert [a.status for a in response.attempts] == [301, 302, 200]


def test_404_is_an_http_error(httpserver, fetcher):
    httpserver.expect_request("/gone").respond_with_data("nope", status=404)
    with pytest.raises(FetchError) as info:
        fetcher.fetch(httpserver.url_for("/gone"))
    assert info.value.kind == "http" and info.value.status == 404
    assert len(info.value.attempts) == 1  # a 404 is not retried


def test_500_then_success_is_retried(httpserver, fetcher):
    calls = []

    def handler(request):
        calls.append(request.path)
        if len(calls) == 1:
            return WerkzeugResponse("oops", status=500)
        return WerkzeugResponse(HTML, content_type="text/html")

    httpserver.expect_request("/flaky").respond_with_handler(handler)
    response = fetcher.fetch(httpserver.url_for("/flaky"))
    assert response.status == 200 and b"Hello" in response.content
    assert [a.status for a in response.attempts] == [500, 200]
    assert len(calls) == 2


def test_retry_after_is_honoured(httpserver):
    slept = []
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            return WerkzeugResponse("slow down", status=429, headers={"Retry-After": "7"})
        return WerkzeugResponse(HTML, content_type="text/html")

    httpserver.expect_request("/busy").respond_with_handler(handler)
    with Fetcher(sleep=slept.append) as fetcher:
        response = fetcher.fetch(httpserver.url_for("/busy"))
    assert response.status == 200
    assert slept == [7.0]


def test_persistent_500_fails_after_retries(httpserver, fetcher):
    httpserver.expect_request("/down").respond_with_data("down", status=503)
    with pytest.raises(FetchError) as info:
        fetcher.fetch(httpserver.url_for("/down"))
    assert info.value.status == 503
    assert len(info.value.attempts) == 3  # first try + 2 retries


def test_non_html_is_refused(httpserver, fetcher):
    httpserver.expect_request("/file.pdf").respond_with_data(b"%PDF-1.4 ...", content_type="application/pdf")
    with pytest.raises(FetchError) as info:
        fetcher.fetch(httpserver.url_for("/file.pdf"))
    assert info.value.kind == "not-html"
    assert "application/pdf" in info.value.message


def test_oversize_body_is_refused(httpserver):
    big = "<html><body>" + "<p>word </p>" * 20000 + "</body></html>"
    httpserver.expect_request("/big").respond_with_data(big, content_type="text/html")
    with Fetcher(max_bytes=50_000) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(httpserver.url_for("/big"))
    assert info.value.kind == "too-large"


def test_oversize_streamed_body_stops_at_the_cap(httpserver):
    def chunks():
        yield b"<html><body>"
        for _ in range(1000):
            yield b"<p>" + b"x" * 1000 + b"</p>"

    httpserver.expect_request("/stream").respond_with_response(
        WerkzeugResponse(chunks(), content_type="text/html"))  # chunked: no Content-Length
    with Fetcher(max_bytes=100_000) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(httpserver.url_for("/stream"))
    assert info.value.kind == "too-large"
    assert "stopped reading at" in info.value.message


def test_charset_from_header_and_mislabelled_utf8(httpserver, fetcher):
    latin = "<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("latin-1")
    httpserver.expect_request("/latin").respond_with_data(latin, content_type="text/html; charset=iso-8859-1")
    utf8_labelled_latin = "<html><body><p>Caf\u00e9 \u2014 na\u00efve</p></body></html>".encode()
    httpserver.expect_request("/mislabelled").respond_with_data(
        utf8_labelled_latin, content_type="text/html; charset=iso-8859-1")
    assert "Café crème" in fetcher.fetch(httpserver.url_for("/latin")).text
    assert "Café — naïve" in fetcher.fetch(httpserver.url_for("/mislabelled")).text


@pytest.mark.parametrize("url,kind", [
    ("ftp://example.com/x", "unsupported-scheme"),
    ("file:///etc/passwd", "unsupported-scheme"),
    ("example.com/page", "invalid-url"),
    ("http://", "invalid-url"),
    ("http://example.com:99999/", "invalid-url"),
])
def test_bad_urls_are_refused_before_any_request(url, kind):
    with pytest.raises(FetchError) as info:
        check_url(url)
    assert info.value.kind == kind
