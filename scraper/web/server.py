"""Start Datasette on an archive: checks first (host, file, schema), then serve.

Everything that can be refused is checked before the server starts, so a refusal is
one line and an exit code rather than a server that dies on the first request.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import signal
import socket
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..archive import SCHEMA_VERSION
from ..errors import Error
from .metadata import LOOPBACK_NAMES, PLUGIN_NAME, build_metadata, build_settings

__all__ = ["ServeError", "allowed_hosts", "check_archive", "is_loopback", "listen", "make_datasette", "run",
           "url_for"]

_TABLES = {"articles", "versions", "pages", "fetches", "tags", "article_tags", "articles_fts"}


class ServeError(Error):
    """The server cannot start as asked; ``code`` (``exit_code``) is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message, exit_code=code)
        self.code = code


def is_loopback(host: str) -> bool:
    """True when every address ``host`` names is a loopback one (127.0.0.0/8, ::1):
    only this machine can connect. An empty host or 0.0.0.0 means every interface."""
    if not host.strip():
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: cannot resolve it ({exc.strerror})", 2) from None
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def allowed_hosts(host: str) -> list[str]:
    """The names a browser may use for a server bound to loopback ``host``: that host and
    this machine's usual names. A web page whose own name was made to resolve to
    127.0.0.1 (DNS rebinding) sends its own name, and is refused."""
    names = {*LOOPBACK_NAMES, host.strip().strip("[]").rstrip(".").lower()}
    return sorted(n for n in names if n)


def check_archive(path: Path, *, live: bool) -> None:
    """Refuse what Datasette would serve wrongly: a missing file, not a scraper archive,
    another schema, a path its SQLite URI cannot carry, and (immutable mode) changes
    still in a ``-wal`` file, which an immutable reader would not see.

    Reads with ``immutable=1`` so that checking leaves no ``-wal``/``-shm`` behind; with
    ``live``, ``mode=ro`` as Datasette will, so that changes still in the ``-wal`` file
    (a first crawl that has not checkpointed yet) are seen.
    """
    if not path.is_file():
        raise ServeError(f"no archive at {path}", 3)
    if any(c in str(path) for c in "?#%"):
        raise ServeError(f"{path}: Datasette cannot open a path containing ?, # or %; rename the file", 2)
    wal = path.with_name(path.name + "-wal")
    if not live and wal.is_file() and wal.stat().st_size > 0:
        raise ServeError(f"{wal} holds changes not yet in {path.name} (a crawl is running, or one was "
                         "killed): serve with --live, or run any scraper command on it first", 3)
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?{'mode=ro' if live else 'immutable=1'}", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ServeError(f"{path} is not a valid scraper archive ({exc})", 3) from None
    if "articles" not in tables:
        raise ServeError(f"not a scraper archive: {path}", 3)
    if version > SCHEMA_VERSION:
        raise ServeError(f"{path} was written by a newer scraper (schema {version}, this one knows "
                         f"{SCHEMA_VERSION})", 3)
    if version < SCHEMA_VERSION or not tables >= _TABLES:
        raise ServeError(f"{path} uses archive schema v{version} and this scraper reads v{SCHEMA_VERSION}: "
                         f"upgrade it once with `scraper migrate --db {path}` (all data is kept)", 3)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket bound here, so a busy port is our one-line error, and port 0
    gets a free port that we can announce."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: cannot resolve it ({exc.strerror})", 2) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        hint = " (--port 0 picks a free one)" if exc.errno == errno.EADDRINUSE else ""
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}", 2) from None
    return sock


def url_for(sock: socket.socket, path: str = "/") -> str:
    """The address a browser on this machine opens for ``sock``."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}"


def make_datasette(path: Path, *, live: bool = False, expose_raw: bool = False, host: str = "127.0.0.1",
                   public: bool = False) -> Any:
    """A Datasette on the archive with our metadata, settings, templates and plugin.

    Immutable (``immutable=1``: never writes, never locks, no side files) unless ``live``,
    which opens it ``mode=ro`` to see a running crawl's new articles. Requests are answered
    only when their Host header names this machine or ``host``, unless ``public``.
    """
    from datasette.app import Datasette
    from datasette.plugins import pm

    from . import plugin

    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(plugin, name=PLUGIN_NAME)
    file = str(path.resolve())
    name = Path(file).stem
    templates = resources.files(__package__).joinpath("templates")
    ds = Datasette(files=[file] if live else [], immutables=[] if live else [file],
                   metadata=build_metadata(name, expose_raw=expose_raw,
                                           hosts=None if public else allowed_hosts(host)),
                   settings=build_settings(expose_raw=expose_raw), template_dir=str(templates))
    assert name in ds.databases, f"Datasette named the archive {list(ds.databases)}"
    return ds


def run(ds: Any, sock: socket.socket) -> None:
    """Serve until Ctrl-C or SIGTERM, then return (a stop is a normal end for a server)."""
    import uvicorn

    asyncio.run(ds.invoke_startup())
    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="on"))
    # uvicorn re-raises the signal that stopped it once it has shut down: make that harmless.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
