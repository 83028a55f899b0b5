"""Property test of the address policy: however a URL spells its host, the policy judges
the address the HTTP library would really connect to.

Hosts are generated in the spellings urllib3 accepts: dotted, short (``127.1``,
``127.0.1``), one number, each part in decimal, octal or hex (any case),
percent-encoded characters, IPv6 in compressed, exploded and upper-case forms, IPv4
inside IPv6 (mapped, compatible, 6to4, NAT64), zone ids, trailing dots, ports, and
userinfo with a decoy address before the ``@`` (or before a ``\\@``, which Python's
``urlsplit`` and urllib3 read differently).

The oracle is requests and urllib3 themselves: a real ``requests.Session`` sends the
URL through its own preparation and urllib3's own parsing and pool, to a connection
class that records the host it was told to connect to and resolves it exactly as
urllib3's ``create_connection`` does — then stops instead of touching the network.
"""

from __future__ import annotations

import ipaddress
import socket

import requests
import requests.adapters
import urllib3
import urllib3.connection
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scraper.fetching import connect_host, is_private_host, is_private_url


class _Stop(Exception):
    """Raised instead of connecting: the host has been recorded."""


class _RecordingConnection(urllib3.connection.HTTPConnection):
    hosts: list[str] = []

    def _new_conn(self) -> socket.socket:
        self.hosts.append(self._dns_host)
        raise _Stop


class _RecordingPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _RecordingConnection


class _RecordingAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _RecordingPool, "https": _RecordingPool}


def urllib3_target(url: str) -> tuple[str | None, list[str]]:
    """(the host urllib3 would connect to, the addresses it would try); (None, []) when
    requests or urllib3 refuse the URL."""
    session = requests.Session()
    session.trust_env = False  # no proxy: the connection goes to the URL's host
    session.mount("http://", _RecordingAdapter(max_retries=0))
    _RecordingConnection.hosts = []
    try:
        session.get(url, timeout=1)
    except _Stop:
        pass
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, ValueError, UnicodeError):
        return None, []
    finally:
        session.close()
    if not _RecordingConnection.hosts:
        return None, []
    host = _RecordingConnection.hosts[0]
    # urllib3.util.connection.create_connection: brackets off, then getaddrinfo
    name = host.strip("[]") if host.startswith("[") else host
    try:
        infos = socket.getaddrinfo(name, 80, urllib3.util.connection.allowed_gai_family(), socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return host, []
    return host, [str(info[4][0]) for info in infos]


# -- generators ----------------------------------------------------------------------------

_NETWORKS = [ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "192.0.2.0/24", "8.8.8.0/24", "93.184.216.0/24",
    "1.0.0.0/8", "151.101.0.0/16")]


@st.composite
def ipv4s(draw) -> ipaddress.IPv4Address:
    if draw(st.booleans()):
        return draw(st.ip_addresses(v=4))
    net = draw(st.sampled_from(_NETWORKS))
    return net[draw(st.integers(0, net.num_addresses - 1))]


def _number(draw, value: int) -> str:
    radix = draw(st.sampled_from(["dec", "oct", "hex"]))
    if radix == "dec":
        return str(value)
    if radix == "oct":
        return "0" + format(value, "o")
    digits = format(value, "x")
    digits = "".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in digits)
    return draw(st.sampled_from(["0x", "0X"])) + digits


@st.composite
def ipv4_spellings(draw, address: ipaddress.IPv4Address) -> str:
    value = int(address)
    parts = draw(st.integers(1, 4))
    octets = list(address.packed)
    head = octets[: parts - 1]
    rest = int.from_bytes(bytes(octets[parts - 1:]), "big") if parts > 1 else value
    return ".".join([_number(draw, o) for o in head] + [_number(draw, rest)])


def _percent(draw, text: str) -> str:
    """Percent-encode some characters (urllib3 decodes unreserved ones in a host)."""
    out = []
    for char in text:
        if (char.isalnum() or char in ".-_~") and draw(st.integers(0, 3)) == 0:
            code = format(ord(char), "02x")
            out.append("%" + draw(st.sampled_from([code, code.upper()])))
            continue
        out.append(char)
    return "".join(out)


@st.composite
def ipv6_spellings(draw) -> tuple[ipaddress.IPv6Address, str]:
    kind = draw(st.sampled_from(["plain", "mapped", "compatible", "6to4", "nat64", "link-local"]))
    v4 = draw(ipv4s())
    dotted = {"mapped": f"::ffff:{v4}", "compatible": f"::{v4}", "nat64": f"64:ff9b::{v4}"}.get(kind)
    if kind == "plain":
        address = draw(st.ip_addresses(v=6))
    elif kind == "6to4":
        address = ipaddress.IPv6Address((0x2002 << 112) | (int(v4) << 80))
    elif kind == "link-local":
        address = ipaddress.IPv6Address("fe80::" + format(int(v4) & 0xFFFF, "x"))
    else:
        address = ipaddress.IPv6Address(dotted)
    forms = [address.compressed, address.exploded, address.compressed.upper()] + ([dotted] if dotted else [])
    text = draw(st.sampled_from(forms))
    if kind == "link-local" and draw(st.booleans()):
        text += "%25lo"  # a zone id, as RFC 6874 writes it in a URL
    return address, f"[{text}]"


@st.composite
def urls(draw) -> tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address]:
    if draw(st.integers(0, 2)):
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = draw(ipv4s())
        host = _percent(draw, draw(ipv4_spellings(address)))
        if draw(st.integers(0, 5)) == 0:
            host += "."
    else:
        address, host = draw(ipv6_spellings())
    port = draw(st.sampled_from(["", ":80", ":8080", ":0443"]))
    decoy = draw(ipv4s())
    userinfo = draw(st.sampled_from(["none", "user", "password", "decoy", "backslash"]))
    if userinfo == "backslash":
        # urlsplit reads the host after the "@" (the decoy); urllib3 stops at the backslash
        return f"http://{host}{port}\\@{decoy}/x", address
    prefix = {"none": "", "user": "user@", "password": "user:pass@", "decoy": f"{decoy}@"}[userinfo]
    return f"http://{prefix}{host}{port}/x", address


# -- the property ------------------------------------------------------------------------

@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls())
def test_the_policy_judges_the_address_urllib3_connects_to(case):
    url, address = case
    host, addresses = urllib3_target(url)
    assume(host is not None)  # requests or urllib3 refuse the URL: nothing is connected
    assert connect_host(url) == (host[1:-1] if host.startswith("[") else host)
    if not addresses:
        # urllib3 would fail to resolve it: nothing to judge, so it counts as private
        assert is_private_url(url) is True
        return
    # the generator spelled ``address`` (the oracle agrees, so the spelling is real) ...
    assert {ipaddress.ip_address(a.split("%")[0]) for a in addresses} == {ipaddress.ip_address(str(address))}
    # ... and the policy says of the spelling what it says of the plain address
    canonical = is_private_host(str(address))
    assert is_private_url(url) is canonical
    assert is_private_host(connect_host(url)) is canonical
