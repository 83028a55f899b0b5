"""Which addresses are fetched: only http(s), and no hop from a public site to a private one.

No test here can reach a real public host, so the redirect tests run a "public" server
on 127.0.0.2 and give the Fetcher an ``is_private`` that counts that address (and,
where a test says so, a host name) as public. Everything else is decided by the real
:func:`is_private_host`, which is also tested directly on every spelling of a private
address we know of.
"""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading

import pytest
from hostile_server import HostileServer
from sites import LocalSite

from scraper.fetching import (
    Fetcher,
    FetchError,
    check_url,
    connect_host,
    is_private_host,
    is_private_url,
)

HTML = b"<html><head><title>Secret</title></head><body><p>internal</p></body></html>"


# -- schemes ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "ftp://example.com/file.html",
    "data:text/html,<p>hi</p>",
    "javascript:alert(1)",
    "mailto:someone@example.com",
    "gopher://example.com/",
    "view-source:http://example.com/",
])
def test_only_http_and_https_are_fetched(url):
    with Fetcher() as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert info.value.kind == "unsupported-scheme"
    assert info.value.attempts == []  # refused before any request
    scheme = url.split(":")[0]
    assert info.value.message == f"unsupported scheme {scheme!r}: only http and https are fetched"


@pytest.mark.parametrize("url", ["HTTP://Example.COM/x", " https://example.com/ ", "http://[::1]:8080/"])
def test_http_and_https_urls_pass_the_check(url):
    assert check_url(url) == url.strip()


@pytest.mark.parametrize("location,scheme", [
    ("file:///etc/passwd", "file"), ("javascript:alert(1)", "javascript"),
    ("data:text/html;base64,PHA+aGk8L3A+", "data"), ("ftp://127.0.0.1/x", "ftp"),
])
def test_redirect_to_another_scheme_is_refused(location, scheme):
    with HostileServer() as srv:
        url = srv.route("/go", lambda c: c.respond(b"", 302, None, {"Location": location}))
        with Fetcher() as fetcher, pytest.raises(FetchError) as info:
            fetcher.fetch(url)
    assert info.value.kind == "unsupported-scheme"
    assert info.value.message.startswith(f"redirect to {location}: unsupported scheme {scheme!r}")
    assert len(info.value.attempts) == 1


# -- what counts as private ------------------------------------------------------------

@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
    "169.254.169.254",          # cloud metadata (AWS, GCP, Azure)
    "100.100.100.200",          # carrier-grade NAT range; Alibaba Cloud's metadata service
    "0.0.0.0", "255.255.255.255", "224.0.0.1", "192.0.2.10",
    "::1", "[::1]", "::", "fe80::1", "fe80::1%eth0", "fd00::1", "fd00:ec2::254",
    "::ffff:127.0.0.1", "[::ffff:169.254.169.254]", "::ffff:10.0.0.1",   # IPv4-mapped
    "2002:7f00:1::",            # 6to4 wrapping 127.0.0.1
    "64:ff9b::a9fe:a9fe",       # NAT64 wrapping 169.254.169.254
    "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1", "017700000001",  # 127.0.0.1
    "2852039166",               # 169.254.169.254 as one decimal number
    "localhost", "LOCALHOST.", "api.localhost",
])
def test_private_spellings_are_private(host):
    assert is_private_host(host) is True


@pytest.mark.parametrize("host", [
    "8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8",
    "2002:0808:0808::",  # 6to4 wrapping 8.8.8.8
])
def test_public_addresses_are_not_private(host):
    assert is_private_host(host) is False


def test_a_host_name_is_judged_by_what_it_resolves_to():
    name = socket.gethostname()  # in /etc/hosts on these machines, on a loopback address
    resolved = {info[4][0] for info in socket.getaddrinfo(name, None)}
    assert any(ipaddress.ip_address(a).is_loopback for a in resolved), f"{name} -> {resolved}"
    assert is_private_host(name) is True


@pytest.mark.parametrize("host", [
    "%31%32%37.0.0.1", "%31%36%39.254.169.254", "loc%61lhost", "%30x7f.1",   # urllib3 decodes these
    "::127.0.0.1", "[::127.0.0.1]",            # IPv4-compatible IPv6, judged by 127.0.0.1
    "64:ff9b:1::a9fe:a9fe", "5f00::1",         # local-use NAT64, reserved
])
def test_spellings_urllib3_decodes_are_judged_as_it_connects(host):
    assert is_private_host(host) is True


@pytest.mark.parametrize("host", ["", "%", "127.0.0.1%00", "no-such-host.invalid", "127.0.0.1."])
def test_a_host_that_cannot_be_judged_counts_as_private(host):
    # unreadable, or not resolvable now: nothing says where a connection would go
    assert is_private_host(host) is True


@pytest.mark.parametrize("url,host", [
    ("http://%31%32%37.0.0.1:8080/internal", "127.0.0.1"),
    ("http://127.0.0.1\\@8.8.8.8/", "127.0.0.1"),    # urlsplit says 8.8.8.8; the request goes to 127.0.0.1
    ("http://user:pw@8.8.8.8@127.0.0.1/", "127.0.0.1"),
    ("http://[::ffff:127.0.0.1]:80/", "::ffff:127.0.0.1"),
    ("HTTP://LOCALHOST./x", "localhost."),
])
def test_connect_host_is_the_host_the_request_goes_to(url, host):
    assert connect_host(url) == host
    assert is_private_url(url) is True


# -- redirects from a public site ------------------------------------------------------

PUBLIC = "127.0.0.2"


def public(*names: str):
    """An ``is_private`` for tests: the given hosts are public, the rest as in production."""
    allowed = {PUBLIC, *names}
    return lambda host: host not in allowed and is_private_host(host)


@pytest.fixture
def inside():
    """A private server holding something a public page must not reach."""
    with HostileServer("127.0.0.1") as srv:
        srv.route("/secret", lambda c: c.respond(HTML))
        yield srv


@pytest.fixture
def outside():
    with HostileServer(PUBLIC) as srv:
        yield srv


def redirect_to(location: str):
    return lambda c: c.respond(b"", 302, None, {"Location": location})


@pytest.mark.parametrize("spelling", ["127.0.0.1", "localhost", "2130706433", "0x7f.0.0.1"])
def test_redirect_from_public_to_private_is_refused_before_it_is_requested(outside, inside, spelling):
    target = inside.url("/secret").replace("127.0.0.1", spelling)
    url = outside.route("/story", redirect_to(target))
    with Fetcher(is_private=public()) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert info.value.kind == "private-address"
    assert info.value.message == (f"refused redirect from public {PUBLIC} to private address {spelling} "
                                  "(use --allow-private to permit)")
    assert [a.url for a in info.value.attempts] == [url]
    assert inside.hits == []  # not requested


def test_name_that_passed_the_check_but_connects_privately_is_refused(outside, inside):
    # "localhost" stands for a DNS name that looked public when checked and resolves
    # to a private address when connecting (DNS rebinding): the open connection is
    # checked again, before the request is sent.
    target = inside.url("/secret").replace("127.0.0.1", "localhost")
    url = outside.route("/story", redirect_to(target))
    with Fetcher(is_private=public("localhost")) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert info.value.kind == "private-address"
    assert info.value.message.startswith("refused: localhost resolves to private address 127.0.0.1 after a "
                                         "redirect from a public address")
    assert [a.url for a in info.value.attempts] == [url, target]
    assert inside.hits == []  # resolved, judged, never connected


def test_allow_private_follows_the_redirect(outside, inside):
    url = outside.route("/story", redirect_to(inside.url("/secret")))
    with Fetcher(is_private=public(), allow_private=True) as fetcher:
        response = fetcher.fetch(url)
    assert response.final_url == inside.url("/secret") and response.content == HTML
    assert len(inside.hits_for("/secret")) == 1


def test_public_to_public_redirect_is_followed(outside):
    outside.route("/old", redirect_to("/new"))
    outside.route("/new", lambda c: c.respond(HTML))
    with Fetcher(is_private=public()) as fetcher:
        response = fetcher.fetch(outside.url("/old"))
    assert response.redirects == [outside.url("/new")]


def test_private_seed_and_private_redirects_are_the_callers_choice(inside):
    inside.route("/start", redirect_to("/secret"))
    with Fetcher() as fetcher:  # allow_private=False, but the first URL is the caller's
        response = fetcher.fetch(inside.url("/start"))
    assert response.status == 200 and response.final_url == inside.url("/secret")


def test_a_chain_that_touched_a_public_address_stays_public(outside, inside):
    # private seed -> public page -> private target: the last hop is refused.
    inside.route("/seed", redirect_to(outside.url("/hop")))
    outside.route("/hop", redirect_to(inside.url("/secret")))
    with Fetcher(is_private=public()) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(inside.url("/seed"))
    assert info.value.kind == "private-address"
    assert [h.path for h in inside.hits] == ["/seed"]


@pytest.mark.parametrize("spelling", ["127.0.0.1", "%31%32%37.0.0.1", "localhost", "2130706433", "0x7f.1"])
def test_a_public_only_fetch_never_connects_to_a_private_address(spelling):
    # a URL found on a public site: judged when it connects, whatever its name looked like
    # ("localhost" is classed public here, so only the address it resolves to can refuse it)
    with LocalSite() as site:
        private = site.host("private")
        private.add("/secret", HTML)
        url = private.url("/secret").replace("127.0.0.1", spelling)
        with Fetcher(is_private=public("localhost")) as fetcher, pytest.raises(FetchError) as info:
            fetcher.fetch(url, public_only=True)
    assert info.value.kind == "private-address"
    assert "resolves to private address 127.0.0.1 and this URL was found on a public site" in info.value.message
    assert private.connections == []


def test_allow_private_lifts_public_only():
    with LocalSite() as site:
        private = site.host("private")
        private.add("/secret", HTML)
        with Fetcher(allow_private=True) as fetcher:
            assert fetcher.fetch(private.url("/secret"), public_only=True).content == HTML
    assert len(private.connections) == 1


def test_through_a_proxy_a_public_only_fetch_judges_the_name(monkeypatch, outside):
    # the proxy connects, not us: the target's name is judged before the request goes out
    monkeypatch.setenv("HTTP_PROXY", outside.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Fetcher(is_private=public()) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch("http://%31%32%37.0.0.1:9/secret", public_only=True)
    assert info.value.kind == "private-address"
    assert info.value.message.startswith("refused: 127.0.0.1 is a private address and this URL was found on a "
                                         "public site")
    assert outside.hits == []  # the proxy was not asked


class _KeepAlive(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open between requests
    paths: list[str]

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(HTML)))
        self.end_headers()
        self.wfile.write(HTML)

    def log_message(self, *args: object) -> None:
        pass


def test_kept_alive_connection_is_checked_again_by_a_later_fetch(outside):
    handler = type("Handler", (_KeepAlive,), {"paths": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        private = f"http://localhost:{server.server_address[1]}"
        url = outside.route("/story", redirect_to(private + "/secret"))
        with Fetcher(is_private=public("localhost")) as fetcher:
            assert fetcher.fetch(private + "/seed").status == 200  # leaves a connection in the pool
            with pytest.raises(FetchError) as info:
                fetcher.fetch(url)  # would reuse it for the redirect
    finally:
        server.shutdown()
        server.server_close()
    assert info.value.kind == "private-address"
    assert handler.paths == ["/seed"]
