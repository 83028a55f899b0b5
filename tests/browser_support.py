"""For the `scraper serve` tests: an archive built from the fixture pages, the real
installed `scraper serve` running on it in a subprocess, and Debian's chromium.

The archive has five languages, one article with two versions (a figure changed, a
paragraph added), a failed fetch, and one page whose raw bytes and headers carry
markers, so tests can prove those are never served by default.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from scraper import Archive, extract
from scraper.fetching import Attempt, Response

FIXTURES = Path(__file__).parent / "fixtures"

# Markers that live only in the raw page bytes (an HTML comment, not extracted) and in a
# response header: neither may ever reach a browser unless --expose-raw.
RAW_MARKER = "RAW-BODY-MARKER-7f3a"
HEADER_MARKER = "HEADER-MARKER-c41d"

MOSCOW_URL = ("https://www.themoscowtimes.com/2021/07/22/"
              "russia-in-talks-to-help-tajikistan-build-afghan-border-outpost-a74580")
MOSCOW_TITLE = "Russia in Talks to Help Tajikistan Build Afghan Border Outpost"
KLIMA_URL = "https://www.rheinischer-anzeiger.example/koeln/2023/03/waermepumpen-altbau.html"
KLIMA_TITLE = "Stadtwerke setzen auf Wärmepumpen im Altbau"
ADDED_PARAGRAPH = ("Nachtrag: Nach Redaktionsschluss korrigierten die Stadtwerke die Zahl der Wohnungen "
                   "nach oben.")
FAILED_URL = "https://gone.example.org/2024/story-that-vanished"

PAGES = {
    "boilerplate/es_elecciones.html": "https://www.diario-del-sur.example/2024/01/bibliotecas-examenes.html",
    "boilerplate/fr_obfusque.html": "https://www.lyon-quotidien.example/2022/10/velos-cargos.html",
    "boilerplate/ja_news.html": "https://www.minato-shimbun.example/2024/05/library-night.html",
    "boilerplate/ru_novosti.html": "https://gorodskie-novosti.example/2023/08/most-kazanka.html",
}
EARLIER = "2024-01-01T09:00:00+00:00"
LATER = "2024-02-01T09:00:00+00:00"


@dataclass
class FixtureArchive:
    """What the tests look for, by article."""

    path: Path
    ids: dict[str, int] = field(default_factory=dict)

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def side_files(self) -> list[str]:
        return sorted(p.name for p in self.path.parent.iterdir()
                      if p.name.startswith(self.path.name + "-"))


def build_archive(path: Path) -> FixtureArchive:
    """The fixture pages archived through the library, as `scraper fetch` would."""
    built = FixtureArchive(path)
    with Archive(path) as archive:
        raw = (FIXTURES / "news_article.html").read_bytes().replace(
            b"</body>", f"<!-- {RAW_MARKER} --></body>".encode())
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")  # new in the last 24 hours
        response = Response(url=MOSCOW_URL, final_url=MOSCOW_URL, status=200,
                            headers={"Content-Type": "text/html; charset=utf-8",
                                     "X-Secret-Session": HEADER_MARKER},
                            content=raw, fetched_at=now,
                            attempts=[Attempt(url=MOSCOW_URL, started_at=now, status=200)])
        built.ids["moscow"] = archive.store(extract(raw, MOSCOW_URL), response).article_id
        for name, url in PAGES.items():
            page = (FIXTURES / name).read_bytes()
            built.ids[name] = archive.store(extract(page, url), raw=page, url=url, fetched_at=EARLIER).article_id
        first = (FIXTURES / "boilerplate/de_klima.html").read_bytes()
        second = first.replace(b"rund 4000 Wohnungen", b"rund 5000 Wohnungen").replace(
            b"in Betrieb gehen.</p>", f"in Betrieb gehen.</p>\n<p>{ADDED_PARAGRAPH}</p>".encode())
        assert second.count(b"5000") == 1 and ADDED_PARAGRAPH.encode() in second
        built.ids["klima"] = archive.store(extract(first, KLIMA_URL), raw=first, url=KLIMA_URL,
                                           fetched_at=EARLIER).article_id
        result = archive.store(extract(second, KLIMA_URL), raw=second, url=KLIMA_URL, fetched_at=LATER)
        assert result.status == "updated", result
        archive.record_attempts(FAILED_URL, [Attempt(url=FAILED_URL, started_at=LATER, status=404)],
                                "http: HTTP 404")
    return built


def scraper_command() -> list[str]:
    """The installed `scraper` script of this environment (what a user runs)."""
    script = Path(sys.executable).with_name("scraper")
    if script.is_file():
        return [str(script)]
    found = shutil.which("scraper")
    assert found, "the scraper script is not installed (pip install -e .)"
    return [found]


class Served:
    """`scraper serve --port 0 …` in a subprocess; ``url`` is where it listens."""

    def __init__(self, db: Path, *args: str) -> None:
        self.argv = [*scraper_command(), "serve", "--db", str(db), "--port", "0", *args]
        self.url = ""
        self.stderr: list[str] = []

    def __enter__(self) -> Served:
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        announced = threading.Event()

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.stderr.append(line)
                match = re.search(r" at (http://\S+?)/\S* \(Ctrl-C", line)
                if match and not self.url:
                    self.url = match.group(1)
                    announced.set()
            announced.set()

        threading.Thread(target=read, daemon=True).start()
        if not announced.wait(120) or not self.url:  # a bound, not a speed test
            self.proc.kill()
            raise AssertionError(f"scraper serve did not start: {''.join(self.stderr)}")
        return self

    def get(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers of a GET; error statuses are returned, not raised."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as answer:
                return answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def stop(self, how: int = signal.SIGTERM) -> int:
        """SIGTERM as a service manager would (or SIGINT, Ctrl-C); returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(how)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- chromium ----------------------------------------------------------------------

# What this closed network needs: no background connections Chromium would make on its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Debian's chromium binary ($SCRAPER_CHROMIUM overrides); the real binary rather than
    the /usr/bin wrapper script, which prints a shell warning on every start."""
    for candidate in (os.environ.get("SCRAPER_CHROMIUM"), "/usr/lib/chromium/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_unavailable(reason: str) -> None:
    """Skip on a developer machine without a browser; fail on CI, which must have one."""
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs chromium, so this is a failure)")
    pytest.skip(reason)


def require_browser() -> str:
    """Playwright, Datasette and chromium, or a skip (a failure on CI): chromium's path."""
    import importlib.util

    import pytest

    if importlib.util.find_spec("playwright") is None:
        browser_unavailable("playwright is not installed (pip install -e '.[test]')")
    pytest.importorskip("datasette")
    chromium = chromium_path()
    if chromium is None:
        browser_unavailable("no chromium (apt-get install chromium)")
    assert chromium is not None
    return chromium
