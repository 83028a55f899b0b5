"""A raw-socket HTTP server that misbehaves on purpose, for the reliability tests.

Well-behaved test servers (pytest-httpserver) cannot trickle header bytes, reset a
connection half-way through a body, lie in Content-Length or keep streaming until the
client hangs up. This one gives each handler the bare socket, so a test can do any of
that and afterwards check what the server actually sent (:attr:`Hit.sent`) and whether
the client hung up first (:attr:`Hit.client_closed`).

TLS uses tests/fixtures/tls/self-signed.{pem,key}: a certificate for localhost and
127.0.0.1 that no one vouches for, valid for a century (``openssl req -x509 -newkey ec
-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj /CN=localhost
-addext subjectAltName=DNS:localhost,IP:127.0.0.1``).

Bombs are built without ever holding the inflated data: :func:`deflate_bomb` repeats
one compressed block of zeros, so a 2 GiB gzip body costs about 2 MB and a few
milliseconds to make.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

CERT_DIR = Path(__file__).parent / "fixtures" / "tls"
MiB = 1 << 20


@dataclass
class Hit:
    """One request the server received and what it did about it."""

    method: str
    path: str
    headers: dict[str, str]
    sent: int = 0
    client_closed: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class Conn:
    """The socket of one request, counting what is sent and noticing a client hang-up."""

    def __init__(self, sock: socket.socket, hit: Hit, stopping: threading.Event) -> None:
        self.sock = sock
        self.hit = hit
        self.stopping = stopping

    def send(self, data: bytes) -> bool:
        """Send ``data``; False (and ``hit.client_closed``) when the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            self.hit.client_closed = True
            return False
        self.hit.sent += len(data)
        return True

    def head(self, status: int = 200, headers: dict[str, str] | None = None,
             reason: str = "OK") -> bool:
        """Send a status line and headers (``Connection: close`` is always added)."""
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        lines.append("Connection: close")
        return self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def respond(self, body: bytes, status: int = 200, content_type: str | None = "text/html",
                headers: dict[str, str] | None = None) -> bool:
        """An ordinary complete response with a correct Content-Length."""
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        all_headers.setdefault("Content-Length", str(len(body)))
        return self.head(status, all_headers) and self.send(body)

    def trickle(self, data: bytes, interval: float, limit: float = 10.0) -> None:
        """Send ``data`` one byte per ``interval`` seconds, for ``limit`` seconds at most."""
        end = time.monotonic() + limit
        for i in range(len(data)):
            if self.stopping.is_set() or time.monotonic() > end or not self.send(data[i:i + 1]):
                return
            self.stopping.wait(interval)

    def stream(self, chunks: Iterator[bytes] | list[bytes], limit: float = 10.0) -> None:
        """Send chunks until they run out, the client hangs up, or ``limit`` seconds pass."""
        end = time.monotonic() + limit
        for chunk in chunks:
            if self.stopping.is_set() or time.monotonic() > end or not self.send(chunk):
                return

    def wait_for_hangup(self, limit: float = 10.0) -> None:
        """Send nothing; return when the client closes, the server stops, or ``limit`` passes."""
        self.sock.settimeout(0.05)
        end = time.monotonic() + limit
        while not self.stopping.is_set() and time.monotonic() < end:
            try:
                if self.sock.recv(4096) == b"":
                    self.hit.client_closed = True
                    return
            except TimeoutError:
                continue
            except OSError:
                self.hit.client_closed = True
                return

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0) instead of a clean FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Handler = Callable[[Conn], None]


class HostileServer:
    """Serve handlers by path on ``host`` (127.0.0.1 by default), plain or over TLS.

    ``raw_accept`` handlers run before any bytes are read: they get the bare accepted
    socket (used to stall a TLS handshake). ``sndbuf`` shrinks the kernel send buffer so
    :attr:`Hit.sent` stays close to what the client actually read.
    """

    def __init__(self, host: str = "127.0.0.1", *, tls: bool = False, sndbuf: int | None = 65536,
                 raw_accept: Handler | None = None) -> None:
        self.host = host
        self.routes: dict[str, Handler] = {}
        self.hits: list[Hit] = []
        self.tls = tls
        self.sndbuf = sndbuf
        self.raw_accept = raw_accept
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._context: ssl.SSLContext | None = None
        if tls:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(CERT_DIR / "self-signed.pem", CERT_DIR / "self-signed.key")

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        """Serve ``path`` with ``handler``; return its full URL."""
        self.routes[path] = handler
        return self.url(path)

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept_loop, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        with contextlib.closing(sock):
            if self.sndbuf:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.sndbuf)
            if self.raw_accept is not None:
                hit = Hit("", "", {})
                self.hits.append(hit)
                self.raw_accept(Conn(sock, hit, self._stopping))
                hit.done.set()
                return
            sock.settimeout(5)
            if self._context is not None:
                try:
                    sock = self._context.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client refused our certificate: that is the point
            try:
                method, path, headers = _read_request(sock)
            except (OSError, ValueError):
                return
            hit = Hit(method, path, headers)
            self.hits.append(hit)
            handler = self.routes.get(path.split("?")[0])
            conn = Conn(sock, hit, self._stopping)
            try:
                if handler is None:
                    conn.respond(b"not found", status=404, content_type="text/plain")
                else:
                    handler(conn)
            finally:
                hit.done.set()


def _read_request(sock: socket.socket) -> tuple[str, str, dict[str, str]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ValueError("client closed before sending a request")
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, path, _ = head[0].split(" ", 2)
    headers = {}
    for line in head[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return method, path, headers


# -- bombs ---------------------------------------------------------------------------

def _zero_blocks(total: int) -> tuple[bytes, bytes, int]:
    """Raw deflate for ``total`` zero bytes as (first block, repeated block, repeats).

    After a full flush the compressor's output for the same input is byte-identical,
    so one compressed MiB of zeros can be repeated to describe any multiple of it.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MiB)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first, block, total // MiB - 1


def deflate_bomb(total: int, wrapper: str = "gzip") -> bytes:
    """A valid gzip (``wrapper="gzip"``) or zlib (``"zlib"``) stream of ``total`` zero bytes.

    gzip is built as identical 64 MiB members (concatenated members are one valid gzip
    body), so its CRC is computed once; the zlib trailer's Adler-32 of n zero bytes is
    simply ``(n % 65521) << 16 | 1``.
    """
    if wrapper == "gzip":
        member_size = min(total, 64 * MiB)
        first, block, repeats = _zero_blocks(member_size)
        crc = zlib.crc32(bytes(member_size))
        member = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + block * repeats
                  + b"\x03\x00" + struct.pack("<II", crc, member_size))
        return member * (total // member_size)
    first, block, repeats = _zero_blocks(total)
    size = MiB * (repeats + 1)
    adler = (size % 65521) << 16 | 1
    return b"\x78\xda" + first + block * repeats + b"\x03\x00" + struct.pack(">I", adler)


def brotli_bomb(total: int) -> bytes:
    """A brotli stream of ``total`` zero bytes (quality 1: fast to make, still ~5000:1)."""
    import brotli

    compressor = brotli.Compressor(quality=1)
    zeros = bytes(MiB)
    parts = [compressor.process(zeros) for _ in range(total // MiB)]
    parts.append(compressor.finish())
    return b"".join(parts)
