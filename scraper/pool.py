"""One process pool for the CPU work (extraction), with one contract for Ctrl-C and SIGTERM.

``crawl``, ``reextract`` and ``import-warc`` extract in processes made here, and all
three keep the same promise:

* **The first Ctrl-C or SIGTERM asks to stop** (:class:`StopSignals`, installed by the
  command line): no new page is started, the pages in progress are finished and stored,
  the summary is printed, exit code 130.
* **A second one aborts**: a ``KeyboardInterrupt`` in the main process, the write in
  progress is rolled back, ``Error: <command> aborted``, exit code 130.
* **Extraction processes never die of the signal.** A Ctrl-C on a terminal reaches the
  whole process group; a process that died of it would break the pool and fail the
  pages in it. They ignore SIGINT and SIGTERM from their first instruction on (the fork
  server that makes them is started deaf to both, see :func:`start_forkserver`), and
  exit by themselves when the main process is gone, however it went.
* **Never forked from a process that runs threads** (or holds an open SQLite
  connection): processes come from the fork server, a clean interpreter.

A worker that dies anyway (killed, out of memory) is a :class:`~scraper.errors.WorkerError`
for an ordered map (:func:`local_mapper`), and a crawl starts a new pool.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

# multiprocessing and concurrent.futures are imported where processes are made: a command
# that extracts in its own process (a one-page fetch) only needs the signal contract.
if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

from .errors import WorkerError

__all__ = ["StopSignals", "stop_signals", "start_forkserver", "process_pool", "Mapper", "local_mapper",
           "close_results", "default_jobs", "BATCH_SIZE"]

T = TypeVar("T")
R = TypeVar("R")

# mapper(fn, items) yields fn(item) for each item, in the order given
Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]

BATCH_SIZE = 16          # items per task sent to a process: enough to amortise the round trip
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


# -- the main process: the first signal asks, the second aborts -------------------------------

class StopSignals:
    """SIGINT/SIGTERM handling of a long command: the first signal sets :attr:`requested`
    (polled between pages), the second raises ``KeyboardInterrupt``. Call the object to
    ask whether a stop was requested (it is the ``stop`` argument the jobs take)."""

    def __init__(self) -> None:
        self.requested = False
        self.on_first: Callable[[], None] | None = None

    def install(self, on_first: Callable[[], None] | None = None) -> None:
        """Handle SIGINT and SIGTERM from now on; ``on_first()`` says so to the user."""
        self.requested = False
        self.on_first = on_first
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:  # a second Ctrl-C means now
            raise KeyboardInterrupt
        self.requested = True
        if self.on_first is not None:
            self.on_first()

    def __call__(self) -> bool:
        return self.requested


stop_signals = StopSignals()  # the process's one


# -- the extraction processes -----------------------------------------------------------------

def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process nobody has reaped yet is a zombie: gone for our purpose
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _worker_init(main_pid: int) -> None:
    """Extraction processes ignore Ctrl-C/SIGTERM (the main process finishes the pages in
    progress, then stops them) and exit by themselves if the main process is killed.

    They watch the main process itself, not their parent: that is the fork server, which
    in turn waits for its children, so neither would ever notice on its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def watch() -> None:
        while _process_alive(main_pid):
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def start_forkserver() -> None:
    """Start the fork server deaf to SIGINT and SIGTERM, and with it every extraction
    process it forks, from their first instruction on.

    A new extraction process spends most of a second importing before
    :func:`_worker_init` can make it ignore the signal; one interrupted then died, broke
    the pool, and the pages in it failed. An ignored signal stays ignored across exec,
    and the fork server hands the setting it started with to each child. So both
    signals are ignored while the server starts; they are blocked meanwhile, so one that
    comes in those milliseconds waits and is handled once the handlers are back. That
    holds when no other thread runs yet (one could take the signal and drop it): a crawl
    calls this from the main thread before starting any. Does nothing when the server
    already runs.
    """
    import multiprocessing.forkserver

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        multiprocessing.forkserver.ensure_running()  # only the main thread may change handlers
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    handlers = {signum: signal.signal(signum, signal.SIG_IGN) for signum in _STOP_SIGNALS}
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def process_pool(size: int) -> ProcessPoolExecutor:
    """``size`` extraction processes keeping the contract above, started at once (off this
    thread), so the first page does not wait for them to import the extractor."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context: Any
    if "forkserver" in multiprocessing.get_all_start_methods():  # never fork a process that runs threads
        start_forkserver()  # a no-op when it runs already
        context = multiprocessing.get_context("forkserver")
    else:  # pragma: no cover - Windows
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(size, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),))

    def warm() -> None:
        try:
            for _ in range(size):
                pool.submit(_noop)
        except RuntimeError:  # the job already ended
            pass

    threading.Thread(target=warm, daemon=True).start()
    return pool


def _noop() -> None:
    """Warm-up task for a new extraction process."""


def default_jobs() -> int:
    """Worker processes to use by default: the CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# -- an ordered map over the pool (reextract, import-warc) -------------------------------------

def _run_batch(fn: Callable[[T], R], batch: list[T]) -> list[R]:
    return [fn(item) for item in batch]


def local_mapper(jobs: int = 1, *, batch_size: int = BATCH_SIZE) -> Mapper:
    """A mapper on this machine: inline for ``jobs == 1``, else a pool of ``jobs`` processes.

    ``mapper(fn, items)`` yields ``fn(item)`` for each item **in the order given**. The
    pool gets a few batches per process at a time, never the whole input, so memory
    stays bounded however many items there are. Input that fits in one round of batches
    is done inline: starting processes would cost more than it saves. ``fn`` and the
    items must pickle. A process that dies raises :class:`~scraper.errors.WorkerError`.
    """
    def inline(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return (fn(item) for item in items)

    if jobs <= 1:
        return inline

    def pooled(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        source = iter(items)
        first = list(islice(source, batch_size * jobs))
        if len(first) < batch_size * jobs:
            yield from inline(fn, first)
            return
        source = itertools.chain(first, source)
        from concurrent.futures.process import BrokenProcessPool

        pool = process_pool(jobs)
        try:
            pending: deque[Future[list[Any]]] = deque()
            while True:
                batch = list(islice(source, batch_size))
                if batch:
                    pending.append(pool.submit(_run_batch, fn, batch))
                if pending and (not batch or len(pending) >= jobs * 3):
                    try:
                        yield from pending.popleft().result()
                    except BrokenProcessPool as exc:
                        raise WorkerError(f"a worker process died ({exc}); what was written before it "
                                          "is kept") from None
                elif not batch:
                    break
        finally:  # on an early stop (Ctrl-C, a full disk) drop the queued batches
            pool.shutdown(wait=True, cancel_futures=True)
    return pooled


def close_results(results: Iterator[Any]) -> None:
    """Close a mapper's result generator now, so a pool stops at once, not at garbage collection."""
    close = getattr(results, "close", None)
    if close is not None:
        close()
