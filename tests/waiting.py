"""Waiting on events in tests: a condition that becomes true, a line a process prints.

Both are bounded by a generous limit that only stops a broken test from hanging; a
test never relies on something happening *within* a time, only on it happening.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

LIMIT = 120.0


def wait_for(predicate: Callable[[], object], limit: float = LIMIT) -> None:
    """Poll ``predicate`` until it is true (e.g. the archive holds n articles)."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for a condition"
        time.sleep(0.01)


def read_until(proc: subprocess.Popen, text: str) -> list[str]:
    """Read ``proc``'s stderr (a text pipe) line by line until a line contains ``text``;
    returns the lines read, that one included. Fails if the process ends first."""
    assert proc.stderr is not None
    lines: list[str] = []
    while True:
        line = proc.stderr.readline()
        assert line, f"the process ended before printing {text!r}: {''.join(lines)}"
        lines.append(line.rstrip("\n"))
        if text in line:
            return lines


def finish(proc: subprocess.Popen, before: list[str], limit: float = LIMIT) -> str:
    """The rest of ``proc``'s stderr once it exits, after the lines already read."""
    _, rest = proc.communicate(timeout=limit)
    return "".join(line + "\n" for line in before) + (rest or "")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc, no psutil needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Children of ``pid``, their children, and so on."""
    found: list[int] = []
    frontier = [pid]
    while frontier:
        kids = children(frontier.pop())
        found += kids
        frontier += kids
    return found
