"""Start-up: which modules a command's process imports, asserted on the installed `scraper`
in real subprocesses (how long it took is measured in benchmarks/scale.py, never here).

A command that only reads the archive imports neither pandas nor numpy (which sqlite-utils
would import whenever they are installed), nor Dask, Datasette or the HTTP client; nothing
imports pandas unless it exports Parquet or reads CSV back. A one-page ``fetch`` of a saved file
imports neither the HTTP client, numpy nor bs4's CSS-selector engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.archive import Archive
from scraper.article import Article

HEAVY = {"pandas", "numpy", "dask", "distributed", "datasette", "requests", "pyarrow", "urllib3"}
SCRIPT = str(Path(sys.executable).with_name("scraper"))


def imported(args: list[str], db: Path | None = None, code: str | None = None) -> set[str]:
    """Top-level names of the modules a process imported (python -X importtime), after
    checking that it succeeded."""
    env = {**os.environ, **({"SCRAPER_DB": str(db)} if db else {})}
    argv = [sys.executable, "-X", "importtime", *(["-c", code] if code else [SCRIPT, *args])]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    assert lines, "python -X importtime printed nothing"
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "archive.db"
    with Archive(path) as a:
        for i in range(3):
            a.store(Article(title=f"Harbour {i}", body="A walk by the harbour. " * 30, tags=["Sea"],
                            published=f"2021-0{i + 1}-01"), raw=b"<p>x</p>", url=f"https://a.com/{i}")
    return path


@pytest.mark.parametrize("args", [
    ["--help"], ["list"], ["show", "1"], ["show", "1", "--format", "json"], ["search", "harbour"],
    ["stats"], ["export", "--format", "csv"], ["export", "--format", "jsonl"], ["search", "--help"],
], ids=" ".join)
def test_a_read_only_command_imports_no_heavy_package(archive, args):
    assert imported(args, archive) & HEAVY == set()


def test_a_one_page_fetch_of_a_saved_file_imports_no_http_client_numpy_or_css_engine(tmp_path):
    """Archiving a saved page needs neither the HTTP client nor numpy (its first bodies are
    signed for stories in pure Python) nor bs4's CSS-selector engine (soupsieve, loaded only
    if a selector is ever asked of bs4). Two copies under two addresses: the second joins
    the first in a story, so clustering ran in that process."""
    db = tmp_path / "archive.db"
    page = str(Path(__file__).parent / "fixtures" / "news_article.html")
    for n in (1, 2):
        names = imported(["fetch", page, "--url", f"https://example.com/copy/{n}", "--db", str(db)])
        assert "scraper" in names and "lxml" in names and "bs4" in names
        assert names & (HEAVY | {"soupsieve"}) == set(), sorted(names & (HEAVY | {"soupsieve"}))
    with Archive(db, readonly=True) as a:
        rows = list(a.query("SELECT url, story FROM articles ORDER BY url"))
    assert [r["url"] for r in rows] == ["https://example.com/copy/1", "https://example.com/copy/2"]
    assert rows[0]["story"] is not None and rows[0]["story"] == rows[1]["story"]


def test_bs4_css_selectors_still_work_after_the_extractor_is_imported():
    code = ("import sys, scraper.extraction\nassert 'soupsieve.css_parser' not in sys.modules\n"
            "from bs4 import BeautifulSoup\n"
            "assert [p.text for p in BeautifulSoup('<p class=a>x</p><p>y</p>', 'lxml').select('p.a')] == ['x']\n"
            "import soupsieve\nassert soupsieve.match('p', BeautifulSoup('<p>z</p>', 'lxml').p)\n")
    assert "soupsieve" in imported([], code=code)


def test_the_probe_sees_heavy_imports():
    """The check above can fail: a process that imports pandas is seen to."""
    assert "pandas" in imported([], code="import pandas")


def test_an_extraction_process_imports_the_extractor_and_no_more():
    """What an extraction process runs (the pool's batches of extract_page for reextract and
    import-warc, extract_result for a crawl) pulls in no archive, data-frame library or HTTP
    client."""
    names = imported([], code="import scraper.pool, scraper.pipeline, scraper.worker")
    assert "scraper" in names
    assert names & (HEAVY | {"sqlite_utils"}) == set()
    modules = subprocess.run([sys.executable, "-c", "import sys, scraper.pool, scraper.pipeline, scraper.worker; "
                              "print(' '.join(sorted(m for m in sys.modules if m.startswith('scraper.'))))"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert "scraper.extraction" in modules
    assert not {"scraper.archive", "scraper.fetching", "scraper.crawl", "scraper.stories"} & set(modules)


def test_sqlite_utils_through_the_archive_leaves_pandas_importable(archive):
    code = ("import sys\nfrom scraper.archive import Archive\n"
            f"with Archive({str(archive)!r}, readonly=True) as a:\n"
            "    assert a.db['articles'].count == 3\n"
            "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules\n"
            "import pandas\nassert pandas.DataFrame({'a': [1]}).shape == (1, 1)\n")
    assert "sqlite_utils" in imported([], code=code)
