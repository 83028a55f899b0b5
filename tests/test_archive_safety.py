"""The archive under stress: a busy lock, a read-only file, a full disk, SIGKILL mid-write.

Each case checks the outcome (the error said, the exit code) and that nothing already
stored was lost or damaged.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from waiting import wait_for
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import Archive, ArchiveError
from scraper.article import Article
from scraper.cli import EXIT_ARCHIVE, cli
from scraper.fetching import Response

SCRIPT = Path(sys.executable).with_name("scraper")


def response(url: str, body: bytes = b"<p>x</p>") -> Response:
    return Response(url=url, final_url=url, status=200, headers={"Content-Type": "text/html"}, content=body,
                    fetched_at="2024-01-01T00:00:00+00:00")


def seeded(path: Path, n: int = 3) -> dict[str, str]:
    """An archive with n articles; returns url → body."""
    stored = {}
    with Archive(path) as archive:
        for i in range(n):
            url = f"https://example.com/{i}"
            stored[url] = f"Body number {i}, kept safe."
            archive.store(Article(title=f"T{i}", body=stored[url], tags=["kept"]), response(url))
    return stored


def assert_intact(path: Path, expected: dict[str, str]) -> None:
    with Archive(path, readonly=True) as archive:
        assert archive.check_integrity() == []
        bodies = {r["url"]: r["body"] for r in archive.query("SELECT url, body FROM articles")}
    assert bodies == expected


def write_warc(path: Path, n: int, prefix: str = "https://news.example/") -> None:
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for i in range(n):
            html = (f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
                    + "".join(f"<p>Paragraph {j} of story {i} has enough words to be an article body.</p>"
                              for j in range(8))
                    + "</article></body></html>").encode()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"{prefix}{i}", "response", payload=io.BytesIO(html),
                                                          length=len(html), http_headers=http))


class LockHolder:
    """Another process holding the archive's write lock until told to let go."""

    def __init__(self, path: Path) -> None:
        code = ("import sqlite3, sys\n"
                f"conn = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
                "conn.execute('BEGIN IMMEDIATE')\n"
                "conn.execute(\"INSERT INTO fetches (url, started_at, error) VALUES ('x', 'now', 'uncommitted')\")\n"
                "print('locked', flush=True)\n"
                "sys.stdin.readline()\n"
                "conn.execute('ROLLBACK')\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        self.proc.communicate("go\n", timeout=30)


def test_busy_archive_is_waited_for_then_a_clear_error(db_path):
    expected = seeded(db_path)
    holder = LockHolder(db_path)
    try:
        with Archive(db_path, timeout=0.5) as archive:
            started = time.monotonic()
            with pytest.raises(ArchiveError, match="is busy .*another process holds its write lock"):
                archive.store(Article(title="new", body="new"), response("https://example.com/new"))
            assert 0.45 <= time.monotonic() - started < 10
    finally:
        holder.release()
    assert_intact(db_path, expected)
    with Archive(db_path, timeout=0.5) as archive:  # once the lock is gone, writing works
        assert archive.store(Article(body="later"), response("https://example.com/later")).status == "new"


def test_busy_archive_waits_for_a_short_lock(db_path):
    seeded(db_path)
    holder = LockHolder(db_path)
    with Archive(db_path, timeout=20) as archive:
        started = time.monotonic()
        releaser = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.7)"])
        releaser.wait()
        holder.release()
        assert archive.store(Article(body="waited"), response("https://example.com/w")).status == "new"
        assert time.monotonic() - started < 20


def test_busy_archive_in_the_cli_is_exit_3_with_one_line(db_path, tmp_path, monkeypatch):
    expected = seeded(db_path)
    warc = tmp_path / "few.warc.gz"
    write_warc(warc, 2)
    monkeypatch.setenv("SCRAPER_BUSY_TIMEOUT", "0.5")
    holder = LockHolder(db_path)
    try:
        result = CliRunner().invoke(cli, ["import-warc", str(warc), "--jobs", "1", "--db", str(db_path)])
    finally:
        holder.release()
    assert result.exit_code == EXIT_ARCHIVE
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: archive {db_path} is busy (another process holds its write lock)")
    assert_intact(db_path, expected)


def test_full_disk_rolls_back_the_article_and_keeps_everything_else(db_path):
    expected = seeded(db_path)
    with Archive(db_path) as archive:
        pages = archive.db.conn.execute("PRAGMA page_count").fetchone()[0]
        archive.db.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk is now full
        big = "".join(random.Random(1).choice("abcdefghij ") for _ in range(200_000))
        with pytest.raises(ArchiveError, match="disk full .*rolled back, nothing stored before is lost"):
            archive.store(Article(title="huge", body=big), response("https://example.com/huge", big.encode()))
        with pytest.raises(ArchiveError, match="disk full"):  # an update that would add a version
            archive.store(Article(title="T0 changed", body=big), response("https://example.com/0", big.encode()))
        assert archive.count("versions") == 0 and archive.count("pages") == 3
        # the connection stays usable for what fits
        assert archive.get("https://example.com/1")["body"] == expected["https://example.com/1"]
    assert_intact(db_path, expected)
    with Archive(db_path) as archive:  # space again: the same write succeeds
        assert archive.store(Article(title="huge", body="fits now"), response("https://example.com/huge")).status \
            == "new"


def _nobody() -> list[str] | None:
    """A command prefix that runs as the unprivileged 'nobody' user, if this machine allows it."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, str(SCRIPT), "--version"], capture_output=True, text=True)
    return prefix if probe.returncode == 0 else None


@pytest.mark.parametrize("folder_writable", [False, True])
def test_read_only_archive_is_a_clear_error_and_stays_readable(folder_writable):
    """Tests run as root, where chmod does not stop writes. So as root the commands run as
    'nobody' (setpriv) on a root-owned file with mode 444: the real situation of an archive
    on a read-only share or owned by someone else. As another user, chmod is enough."""
    if os.geteuid() == 0:
        prefix = _nobody()
        if prefix is None:
            pytest.skip("running as root without setpriv: cannot make a file read-only for us")
    else:
        prefix = []
    folder = Path(tempfile.mkdtemp(prefix="scraper-ro-"))
    try:
        path = folder / "archive.db"
        expected = seeded(path)
        page = folder / "page.html"
        page.write_text("<html><body><article><p>" + "New words. " * 50 + "</p></article></body></html>")
        path.chmod(0o444)
        page.chmod(0o444)
        folder.chmod(0o1777 if folder_writable else 0o755)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()

        wrote = subprocess.run([*prefix, str(SCRIPT), "fetch", str(page), "--url", "https://example.com/new",
                                "--db", str(path)], capture_output=True, text=True, timeout=60)
        assert wrote.returncode == EXIT_ARCHIVE, wrote.stderr
        assert wrote.stderr.count("\n") == 1 and "is read-only: cannot write" in wrote.stderr
        assert "Traceback" not in wrote.stderr

        listed = subprocess.run([*prefix, str(SCRIPT), "list", "--db", str(path)], capture_output=True, text=True,
                                timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert [line.split()[-1] for line in listed.stdout.splitlines()] == ["T2", "T1", "T0"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert_intact(path, expected)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_readonly_handle_refuses_writes(db_path):
    expected = seeded(db_path)
    with Archive(db_path, readonly=True) as archive, pytest.raises(ArchiveError, match="opened read-only"):
        archive.store(Article(body="x"), response("https://example.com/x"))
    assert_intact(db_path, expected)


def stored_articles(db: Path) -> int:
    """Articles committed to an archive another process is writing (0 before it has any)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error:
        return 0
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:  # not created yet, or its schema not yet committed
        return 0
    finally:
        conn.close()


def test_sigkill_at_random_moments_never_damages_the_archive(tmp_path):
    """Kill import-warc mid-run again and again; the archive stays sound and the last run completes it.

    Each kill comes at a random point of the work (once a random number of articles is
    stored, at least 20 before the end), not after a random time: on a fast machine a run
    used to finish before the first kill, and the test failed."""
    total = 120
    warc = tmp_path / "many.warc.gz"
    write_warc(warc, total)
    db = tmp_path / "archive.db"
    env = {**os.environ, "SCRAPER_DB": str(db)}
    rng = random.Random(20240101)
    previous = 0
    kills = 0
    for _ in range(8):
        if previous + 1 > total - 20:
            break
        target = rng.randint(previous + 1, total - 20)
        proc = subprocess.Popen([str(SCRIPT), "import-warc", str(warc), "--jobs", "1"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda proc=proc, target=target: proc.poll() is not None or stored_articles(db) >= target)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        if not db.exists():
            continue
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
            count, distinct = conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
            assert count == distinct >= previous
            orphans = conn.execute("SELECT count(*) FROM articles a LEFT JOIN pages p ON p.id = a.page_id "
                                   "WHERE p.id IS NULL").fetchone()[0]
            assert orphans == 0  # no article without its page: each was one transaction
            fts = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'paragraph'").fetchone()[0]
            assert fts == count
            previous = count
        finally:
            conn.close()
    assert kills >= 1
    done = subprocess.run([str(SCRIPT), "import-warc", str(warc), "--jobs", "1"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Archive(db, readonly=True) as archive:
        assert archive.count("articles") == total
        assert archive.count("pages") == total
        assert archive.check_integrity() == []


@pytest.mark.parametrize("command", ["import-warc", "reextract"])
def test_ctrl_c_stops_after_the_article_in_progress(tmp_path, command):
    """SIGINT to the whole process group, as a terminal's Ctrl-C does, workers included."""
    total = 400
    warc = tmp_path / "many.warc.gz"
    write_warc(warc, total)
    db = tmp_path / "archive.db"
    env = {**os.environ, "SCRAPER_DB": str(db)}
    if command == "reextract":
        assert subprocess.run([str(SCRIPT), "import-warc", str(warc), "--jobs", "1"], env=env,
                              capture_output=True, timeout=300).returncode == 0
        conn = sqlite3.connect(db)
        conn.execute("UPDATE articles SET title = 'stale'")
        conn.commit()
        conn.close()
        args = [str(SCRIPT), "reextract", "--jobs", "2"]
        progress_sql = "SELECT count(*) FROM versions"
    else:
        args = [str(SCRIPT), "import-warc", str(warc), "--jobs", "2"]
        progress_sql = "SELECT count(*) FROM articles"
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            conn = sqlite3.connect(db)
            done = conn.execute(progress_sql).fetchone()[0]
            conn.close()
        except sqlite3.Error:
            continue
        if done >= 20:
            break
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "stopping after the page in progress" in stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finished = conn.execute(progress_sql).fetchone()[0]
    conn.close()
    assert 20 <= finished < total


def test_another_applications_database_is_refused_before_anything_changes(tmp_path, fixture_bytes):
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('keep me as I am')")
    conn.close()
    before = other.read_bytes()
    page = tmp_path / "story.html"
    page.write_bytes(fixture_bytes("news_article.html"))
    result = CliRunner().invoke(cli, ["fetch", str(page), "--url", "https://x.example/a", "--db", str(other)])
    assert result.exit_code == EXIT_ARCHIVE
    assert result.stderr == f"Error: not a scraper archive: {other}\n"
    assert other.read_bytes() == before  # still in its own journal mode, byte for byte
    assert not other.with_name("notes.db-wal").exists()
    with sqlite3.connect(other) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


@pytest.mark.parametrize("value", ["1e308", "inf", "nan", "-5", "99999999999"])
def test_any_busy_timeout_value_opens_the_archive(db_path, monkeypatch, value):
    Archive(db_path).close()
    monkeypatch.setenv("SCRAPER_BUSY_TIMEOUT", value)
    result = CliRunner().invoke(cli, ["list", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_every_archive_opening_waits_as_scraper_busy_timeout_says(db_path, monkeypatch):
    """The default is defined once (scraper.options) and read wherever an archive is opened:
    the command line, a crawl, a library user."""
    Archive(db_path).close()
    monkeypatch.setenv("SCRAPER_BUSY_TIMEOUT", "2.5")
    with Archive(db_path) as archive, Archive(db_path, readonly=True) as reader:
        waits = [a.db.conn.execute("PRAGMA busy_timeout").fetchone()[0] for a in (archive, reader)]
    with Archive(db_path, timeout=0.25) as explicit:
        assert explicit.db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 250
    monkeypatch.delenv("SCRAPER_BUSY_TIMEOUT")
    with Archive(db_path) as default:
        assert default.db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    assert waits == [2500, 2500]
