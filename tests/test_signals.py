"""SIGINT and SIGTERM and the crawl's extraction processes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("scraper")


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def without_notes(err: str) -> list[str]:
    """stderr lines, less the notes that the local (private) test server's URLs get."""
    return [line for line in err.splitlines() if not line.startswith("note: ")]


# -- extraction processes and the fork server ----------------------------------------------

def test_extraction_processes_still_starting_survive_a_ctrl_c(tmp_path):
    """A new extraction process imports for most of a second before it can ignore
    SIGINT itself; a Ctrl-C then used to kill it and break the pool."""
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent("""
        import os, signal
        from scraper.crawl import _process_pool, _start_forkserver
        if __name__ == "__main__":
            got = []
            signal.signal(signal.SIGINT, lambda *args: got.append(args[0]))
            _start_forkserver()
            pool = _process_pool(2)
            futures = [pool.submit(pow, 2, n) for n in range(6)]
            os.killpg(0, signal.SIGINT)  # the processes are still importing
            print(len(got), [f.result() for f in futures], flush=True)
            pool.shutdown()
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 [1, 2, 4, 8, 16, 32]\n"  # the crawl got its Ctrl-C, the pool lived


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_while_the_fork_server_starts_waits_and_is_handled(monkeypatch, signum):
    import multiprocessing.forkserver
    import threading

    from scraper.crawl import _start_forkserver

    got: list[int] = []

    def handler(number: int, frame: object) -> None:
        got.append(number)

    during: list[object] = []

    def start_server() -> None:  # stands in for the real start: the signal comes right then
        during.append(signal.getsignal(signum))
        signal.pthread_kill(threading.main_thread().ident, signum)

    monkeypatch.setattr(multiprocessing.forkserver, "ensure_running", start_server)
    previous = signal.signal(signum, handler)
    try:
        _start_forkserver()
        assert during == [signal.SIG_IGN]  # what the server inherits
        assert got == [signum]  # not lost: handled once the handler was back
        assert signal.getsignal(signum) is handler
        assert signum not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.signal(signum, previous)
