"""Crawls, re-extraction and WARC imports on a Dask cluster (``--cluster``, the ``cluster`` extra).

Nothing here is imported unless ``--cluster`` is given: Dask costs more than half a second to
import, and without the extra the rest of ``scraper`` must work as before.

What travels between machines is plain picklable data — crawl :class:`~scraper.worker.Task`
objects and their :class:`~scraper.worker.TaskResult` (page bytes, extracted article),
chunks of :class:`~scraper.pipeline.Page` and the :class:`~scraper.pipeline.Extracted`
records made of them — never the archive file. The client (the process that runs the
command) stays the single archive writer:

* **crawl**: :meth:`ClusterConnection.executor` is a ``concurrent.futures`` executor the
  :class:`~scraper.crawl.Crawler` already accepts. The crawler keeps its per-host
  scheduler, so each origin has one task in flight at a time wherever it runs, with the
  delay counted from when the client saw the previous one end.
* **re-extraction and WARC import**: :meth:`ClusterConnection.mapper` sends pages to the
  workers in chunks and yields the records back in order, a bounded number of chunks
  in flight.

A worker that dies loses nothing: the scheduler runs its tasks again elsewhere (and retries
chunk tasks that failed), and every write is an idempotent upsert on the client.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import pickle
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import UsageError, WorkerError
from .options import CLUSTER_INSTALL
from .pipeline import Extracted, Page
from .pool import Mapper

if TYPE_CHECKING:  # pragma: no cover - only for type checkers: Dask stays an optional import
    from concurrent.futures import Executor

    from distributed import Client

__all__ = ["ClusterConnection", "ClusterError", "ClusterSpec", "DEFAULT_CHUNK_SIZE", "DEFAULT_LOCAL_WORKERS",
           "connect", "connect_timeout", "dask_mapper", "in_flight_chunks", "local_threads", "parse_spec",
           "require_dask"]

log = logging.getLogger("scraper.cluster")

DEFAULT_LOCAL_WORKERS = 2
DEFAULT_TIMEOUT = 10.0          # seconds to reach a scheduler and see a worker
DEFAULT_CHUNK_SIZE = 100        # pages per re-extraction task: a second or more of work, not milliseconds
MAX_PAGES_IN_FLIGHT = 10_000    # pages sent but not yet written back, whatever the cluster's size
CHUNK_RETRIES = 2               # a chunk task that raised is run again (it has no side effects)
# From this repository: the registry's "scraper" is an unrelated project.
INSTALL_HINT = CLUSTER_INSTALL  # defined with the options, where the CLI's help reads it without this module


class ClusterError(UsageError):
    """The cluster cannot be used: Dask missing, a bad address, an unreachable scheduler,
    no workers, or workers without this version of scraper. One line, exit code 2."""


@dataclass(frozen=True)
class ClusterSpec:
    """Where to run: a scheduler's address, or a local cluster of ``local_workers`` processes."""

    address: str | None = None
    local_workers: int = 0

    @property
    def local(self) -> bool:
        """True when the command starts its own cluster on this machine."""
        return self.address is None

    def __str__(self) -> str:
        return f"local:{self.local_workers}" if self.local else str(self.address)


def parse_spec(text: str) -> ClusterSpec:
    """``local``, ``local:N``, ``tcp://host:port`` (any ``scheme://``) or ``host:port`` (TCP)."""
    value = (text or "").strip()
    if not value:
        raise ClusterError("--cluster needs an address (tcp://host:8786) or local[:N]")
    if value == "local" or value.startswith("local:"):
        count = value.partition(":")[2] or str(DEFAULT_LOCAL_WORKERS)
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--cluster {value}: the number of local workers must be a whole number ≥ 1")
        return ClusterSpec(local_workers=int(count))
    if "://" not in value:
        value = "tcp://" + value
    scheme, _, rest = value.partition("://")
    host, sep, port = rest.rpartition(":")
    if not scheme or not host or not sep or not port.isdigit():
        raise ClusterError(f"--cluster {text}: give a scheduler address like tcp://host:8786, or local[:N]")
    return ClusterSpec(address=value)


def connect_timeout() -> float:
    """Seconds to reach the scheduler and to see a worker (env SCRAPER_CLUSTER_TIMEOUT, default 10)."""
    try:
        return max(0.5, float(os.environ.get("SCRAPER_CLUSTER_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def require_dask() -> None:
    """Fail with the install line when the ``cluster`` extra is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(f"--cluster needs Dask: {INSTALL_HINT}") from None


def _worker_version() -> str:
    """Run on each worker: the scraper it would extract with."""
    return __version__


class ClusterConnection:
    """A connected Dask client and what the commands need from it."""

    def __init__(self, client: Client, spec: ClusterSpec) -> None:
        self.client = client
        self.spec = spec

    @property
    def address(self) -> str:
        """The scheduler's address (for a local cluster, the port it was given)."""
        scheduler = self.client.scheduler
        return str(scheduler.address) if scheduler is not None else ""

    def workers(self) -> dict[str, int]:
        """Worker address → threads, from the scheduler."""
        info = self.client.scheduler_info(n_workers=-1)
        return {address: int(w.get("nthreads", 1)) for address, w in info.get("workers", {}).items()}

    @property
    def threads(self) -> int:
        """Tasks the cluster runs at once (all workers' threads)."""
        return max(1, sum(self.workers().values()))

    def worker_pids(self) -> dict[str, int]:
        """Worker address → process id (for tests that kill one; only meaningful on this machine)."""
        return {address: int(pid) for address, pid in self.client.run(os.getpid).items()}

    def describe(self) -> str:
        """One line for the log: where the work runs."""
        workers = self.workers()
        kind = "local cluster" if self.spec.local else "cluster"
        return (f"{kind} at {self.address}: {len(workers)} worker{'s' if len(workers) != 1 else ''}, "
                f"{sum(workers.values())} threads")

    def executor(self) -> Executor:
        """A ``concurrent.futures`` executor for :class:`~scraper.crawl.Crawler`.

        ``pure=False``: two requests of the same URL are two tasks, never a cached result.
        No ``retries``: a crawl task that raised is a bug to log, and repeating it would
        repeat a request; a worker that *dies* is handled by the scheduler, which runs its
        tasks again (up to ``distributed.scheduler.allowed-failures`` times).
        """
        return self.client.get_executor(pure=False)

    def mapper(self, *, chunk_size: int = DEFAULT_CHUNK_SIZE, in_flight: int | None = None) -> Mapper:
        """A mapper for :func:`~scraper.reextract.reextract` and :func:`~scraper.warc.import_warc`."""
        return dask_mapper(self.client, chunk_size=chunk_size, in_flight=in_flight)


def _run_chunk(fn: Callable[[Page], Extracted], blob: bytes) -> list[Extracted]:
    """Worker side of the mapper: a pickled chunk of pages in, their records out.

    The chunk travels as one ``bytes`` blob, so the scheduler (which unpickles task
    arguments) handles a buffer instead of hundreds of objects.
    """
    return [fn(page) for page in pickle.loads(blob)]


def in_flight_chunks(threads: int, chunk_size: int) -> int:
    """Chunks to keep sent: two per worker thread (one running, one ready), at most
    :data:`MAX_PAGES_IN_FLIGHT` pages in all, at least two chunks."""
    return max(2, min(2 * threads + 1, MAX_PAGES_IN_FLIGHT // max(1, chunk_size)))


def dask_mapper(client: Client, *, chunk_size: int = DEFAULT_CHUNK_SIZE, in_flight: int | None = None) -> Mapper:
    """``mapper(fn, pages)`` on a Dask cluster: chunks of ``chunk_size`` pages, results in order.

    Chunks are big enough that the scheduler's per-task cost (about a millisecond) is
    lost in seconds of extraction, and few enough in flight that the client's memory is
    bounded however many pages there are. A chunk that still fails after the scheduler's
    retries raises :class:`~scraper.reextract.WorkerError`; what was written stays.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")

    def run(fn: Callable[[Page], Extracted], items: Iterable[Page]) -> Iterator[Extracted]:
        source = iter(items)
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info(n_workers=-1)["workers"].values())
        limit = in_flight or in_flight_chunks(max(1, threads), chunk_size)
        token = uuid.uuid4().hex[:8]
        counter = itertools.count()
        pending: deque[Any] = deque()
        try:
            while True:
                while len(pending) < limit:
                    chunk = list(itertools.islice(source, chunk_size))
                    if not chunk:
                        break
                    blob = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
                    pending.append(client.submit(_run_chunk, fn, blob, key=f"scraper-chunk-{token}-{next(counter)}",
                                                 retries=CHUNK_RETRIES, pure=False))
                if not pending:
                    return
                future = pending.popleft()
                try:
                    results = future.result()
                except Exception as exc:
                    raise WorkerError(f"a cluster task failed ({type(exc).__name__}: {exc}); what was written "
                                      "before it is kept") from None
                finally:
                    future.release()
                yield from results
        finally:  # an early stop (Ctrl-C, an archive error): drop what is still queued
            if pending:
                client.cancel(list(pending))

    return run


def local_threads(workers: int, processes: int) -> int:
    """Threads per local worker process so a crawl with ``workers`` hosts at once has a
    thread for each: crawl tasks mostly wait on servers, so several share a core."""
    return max(1, math.ceil(workers / max(1, processes)))


@contextmanager
def connect(spec: ClusterSpec, *, threads_per_worker: int = 1, timeout: float | None = None) -> Iterator[ClusterConnection]:
    """Start (``local:N``) or reach (an address) a cluster; close what was opened on exit.

    Raises :class:`ClusterError` within about ``timeout`` seconds (default
    :func:`connect_timeout`) when the scheduler cannot be reached, no worker joins it, or
    a worker runs another scraper version (its extractor would give other output).
    """
    require_dask()
    from distributed import Client

    timeout = connect_timeout() if timeout is None else timeout
    cluster: Any = None
    client: Client | None = None
    try:
        if spec.local:
            from distributed import LocalCluster

            # No dashboard; the scheduler's small HTTP server (health checks) still starts, so
            # give it any free port on loopback instead of 8787, which another cluster may hold.
            # Dask logs errors only: a restarted worker or a task cancelled on Ctrl-C is no
            # news to the user (nothing is lost), and cron mail stays quiet.
            cluster = LocalCluster(n_workers=spec.local_workers, threads_per_worker=threads_per_worker,
                                   processes=True, host="127.0.0.1", dashboard_address=None,
                                   scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                   silence_logs=logging.ERROR)
            client = Client(cluster, timeout=timeout)
        else:
            try:
                client = Client(spec.address, timeout=timeout)
            except (OSError, TimeoutError) as exc:
                why = "" if "timed out" in str(exc).lower() else f" ({exc})"
                raise ClusterError(f"cannot reach the Dask scheduler at {spec.address} within {timeout:g} s"
                                   + why) from None
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            raise ClusterError(f"the Dask scheduler at {spec} has no workers (waited {timeout:g} s); "
                               f"start some with: dask worker {spec}") from None
        _check_workers(client)
        yield ClusterConnection(client, spec)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client: Client) -> None:
    """Every worker must import this version of scraper: a different extractor would store
    other output under this one's version, and a missing package fails every task."""
    try:
        versions = client.run(_worker_version)
    except Exception as exc:
        raise ClusterError(f"the cluster's workers cannot run scraper ({type(exc).__name__}: {exc}); "
                           f"install scraper {__version__} with {INSTALL_HINT} on every worker") from None
    other = {address: v for address, v in versions.items() if v != __version__}
    if other:
        address, version = sorted(other.items())[0]
        raise ClusterError(f"worker {address} runs scraper {version}, this is {__version__}: "
                           "install the same version on every worker")
