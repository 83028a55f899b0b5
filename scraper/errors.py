"""One root for every error scraper raises on purpose, each carrying its exit code.

Library users catch :class:`Error` (or one of the kinds below); the command line prints
``Error: <message>`` and exits with ``exit_code``, in one place (``scraper.cli``). The
codes are README's table:

== =====================================================================================
0  everything asked for succeeded
1  some pages failed (:class:`PageError` and its kinds; :class:`WorkerError`)
2  usage error (:class:`UsageError`: options, URLs, files, config, rules, query, cluster)
3  archive error (:class:`ArchiveError`)
4  another crawl is already running on this archive (``scraper.frontier.CrawlLocked``)
130 interrupted (Ctrl-C or SIGTERM; a second one is a ``KeyboardInterrupt``, not an Error)
== =====================================================================================

Nothing here imports anything: every layer, the extractor included, may raise these.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "Error", "UsageError", "ArchiveError", "PageError", "WorkerError",
           "LockedError"]


class ExitCode(IntEnum):
    """The command line's exit codes (README "Exit codes")."""

    OK = 0
    FAILED = 1
    USAGE = 2
    ARCHIVE = 3
    LOCKED = 4
    INTERRUPTED = 130


class Error(Exception):
    """Anything scraper refuses or cannot do; ``str(error)`` is one line for a person."""

    exit_code: int = ExitCode.FAILED

    def __init__(self, message: str = "", *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(Error):
    """What was asked cannot be done as asked: a bad option, URL, file, config or rule."""

    exit_code = ExitCode.USAGE


class ArchiveError(Error):
    """The archive file cannot be opened, read or written."""

    exit_code = ExitCode.ARCHIVE


class LockedError(Error):
    """Another process holds what this one needs (another crawl on the archive)."""

    exit_code = ExitCode.LOCKED


class PageError(Error):
    """One page could not be fetched, read or extracted; ``kind`` is its short code in the
    ``fetches`` table and the logs (``http``, ``not-html``, ``too-complex``…)."""

    exit_code = ExitCode.FAILED
    kind = "error"

    def line(self) -> str:
        """``kind: message``, as logged."""
        return f"{self.kind}: {self.message}"


class WorkerError(Error, RuntimeError):
    """A worker process or cluster task died (killed, out of memory): the run stops,
    what was written before stays."""

    exit_code = ExitCode.FAILED
