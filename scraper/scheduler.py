"""Which URL may be requested next: the per-origin politeness rules, in memory.

Kept apart from fetching and from the archive so any backend (threads here, a
cluster later) asks the same scheduler and keeps robots.txt, Crawl-delay and the
one-request-per-host rule whoever does the fetching.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from .tasks import Kind, Task

__all__ = ["HostScheduler"]


class _Host:
    __slots__ = ("origin", "sources", "pages", "busy", "ready_at", "delay", "last_end")

    def __init__(self, origin: str, delay: float) -> None:
        self.origin = origin
        self.sources: deque[Task] = deque()
        self.pages: deque[Task] = deque()
        self.busy = False
        self.ready_at = 0.0
        self.delay = delay
        self.last_end: float | None = None


class HostScheduler:
    """Which task may run now: at most one request in flight per origin, ``delay`` seconds
    between the end of one request and the start of the next, robots.txt and other
    sources (feeds, sitemaps, start pages) before article pages, origins served in turn."""

    def __init__(self, default_delay: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.default_delay = default_delay
        self.clock = clock
        self._hosts: dict[str, _Host] = {}
        self._ring: deque[str] = deque()  # origins that have queued tasks

    def _host(self, origin: str) -> _Host:
        host = self._hosts.get(origin)
        if host is None:
            host = self._hosts[origin] = _Host(origin, self.default_delay)
        return host

    def known(self, origin: str) -> bool:
        """Has this origin been seen (its robots.txt queued or read)?"""
        return origin in self._hosts

    def set_delay(self, origin: str, seconds: float) -> None:
        """Change an origin's delay; it applies to the wait already under way too (a
        Crawl-delay read from robots.txt holds from the very next request)."""
        host = self._host(origin)
        host.delay = max(0.0, seconds)
        if host.last_end is not None:
            host.ready_at = host.last_end + host.delay

    def delay(self, origin: str) -> float:
        """The origin's current delay between requests, in seconds."""
        return self._host(origin).delay

    def add(self, task: Task, *, first: bool = False) -> None:
        """Queue a task on its origin (``first``: ahead of the others, for robots.txt)."""
        host = self._host(task.origin)
        queue = host.pages if task.kind is Kind.PAGE else host.sources
        if first:
            queue.appendleft(task)
        else:
            queue.append(task)
        if task.origin not in self._ring:
            self._ring.append(task.origin)

    def next_task(self) -> Task | None:
        """A task whose origin is idle and rested, marking the origin busy; None if none is ready."""
        now = self.clock()
        for _ in range(len(self._ring)):
            origin = self._ring[0]
            self._ring.rotate(-1)
            host = self._hosts[origin]
            if host.busy or host.ready_at > now:
                continue
            queue = host.sources or host.pages
            if not queue:
                self._ring.remove(origin)
                continue
            task = queue.popleft()
            host.busy = True
            if not host.sources and not host.pages:
                self._ring.remove(origin)
            return task
        return None

    def release(self, origin: str, *, requested: bool = True) -> None:
        """The origin's request is over: it may be asked again after its delay
        (at once when the task made no request)."""
        host = self._host(origin)
        host.busy = False
        if requested:
            host.last_end = self.clock()
            host.ready_at = host.last_end + host.delay

    def wake_in(self) -> float | None:
        """Seconds until some idle origin with queued work is rested; None if there is none."""
        now = self.clock()
        waits = [max(0.0, self._hosts[o].ready_at - now) for o in self._ring if not self._hosts[o].busy]
        return min(waits) if waits else None

    def drop(self, origin: str) -> int:
        """Forget an origin's queued tasks (robots.txt unreachable); they stay queued in the frontier."""
        host = self._host(origin)
        count = len(host.sources) + len(host.pages)
        host.sources.clear()
        host.pages.clear()
        if origin in self._ring:
            self._ring.remove(origin)
        return count

    @property
    def queued(self) -> int:
        """Tasks waiting in all origins."""
        return sum(len(h.sources) + len(h.pages) for h in self._hosts.values())

    @property
    def busy(self) -> int:
        """Origins with a request in flight."""
        return sum(1 for h in self._hosts.values() if h.busy)
